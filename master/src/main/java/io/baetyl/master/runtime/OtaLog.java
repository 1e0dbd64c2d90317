package io.baetyl.master.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.master.security.LogSafe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OTA log: one JSON object per line with {@code step} (UPDATING, UPDATED, ROLLINGBACK, ROLLEDBACK, FAILURE,
 * RESTARTING), {@code trace}, {@code type} and {@code error}. The agent tails it to report progress. As in Baetyl it
 * is written when an update names a target, or when the file already exists.
 */
public final class OtaLog {
    public static final String UPDATING = "UPDATING";
    public static final String UPDATED = "UPDATED";
    public static final String ROLLINGBACK = "ROLLINGBACK";
    public static final String ROLLEDBACK = "ROLLEDBACK";
    public static final String FAILURE = "FAILURE";
    public static final String RESTARTING = "RESTARTING";

    /** Size at which the log moves to {@code ota.log.1} (replacing it): at most twice this on disk. */
    static final long MAX_BYTES = 1024 * 1024;
    private static final Logger log = LoggerFactory.getLogger(OtaLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final boolean enabled;
    private final String trace;
    private final String type;
    private final OtaStepCounts counts;

    public OtaLog(Path file, boolean force, String trace, String type) {
        this(file, force, trace, type, null);
    }

    /** @param counts counts every step taken, written to the file or not; may be null */
    OtaLog(Path file, boolean force, String trace, String type, OtaStepCounts counts) {
        this.counts = counts;
        this.file = file;
        this.enabled = force || Files.exists(file);
        this.trace = trace == null ? "" : LogSafe.q(trace, 256);
        this.type = type;
    }

    public void step(String step, String error) {
        if (counts != null) {
            counts.count(type, step);
        }
        if (error == null) {
            log.info("ota step={} trace={} type={}", step, LogSafe.q(trace), type);
        } else {
            log.error("ota step={} trace={} type={} error={}", step, LogSafe.q(trace), type, LogSafe.q(error));
        }
        if (!enabled) {
            return;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("level", error == null ? "info" : "error");
        line.put("msg", step.toLowerCase());
        line.put("step", step);
        line.put("trace", trace);
        line.put("type", type);
        if (error != null) {
            line.put("error", LogSafe.q(error, 1000));
        }
        try {
            Files.createDirectories(file.getParent());
            if (Files.exists(file) && Files.size(file) > MAX_BYTES) {
                // Bounded: the agent follows the current update's lines, so older ones move aside, once.
                Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(file, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.error("cannot write OTA log {}: {}", file, e.toString());
        }
    }
}
