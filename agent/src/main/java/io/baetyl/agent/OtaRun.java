package io.baetyl.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OTA as the OTA log tells it. The master and the agent append JSON lines to the same file ({@code ota.log};
 * the agent sees it as {@code var/db/baetyl/volumes/ota.log}): the agent writes RECEIVED, FAILURE and TIMEOUT, the
 * master UPDATING, UPDATED, ROLLINGBACK, ROLLEDBACK, FAILURE and RESTARTING. The run's records are the lines with
 * its trace; it is over at UPDATED, ROLLEDBACK, FAILURE or TIMEOUT, and then the file is removed, as the original
 * did.
 *
 * <p>Unlike the original, lines of other traces are not taken as this run's (a master that starts while the file
 * exists logs its own app load with an empty trace; the original could take that for the end of the OTA).
 */
final class OtaRun {
    static final String RECEIVED = "RECEIVED";
    static final String UPDATING = "UPDATING";
    static final String UPDATED = "UPDATED";
    static final String ROLLEDBACK = "ROLLEDBACK";
    static final String FAILURE = "FAILURE";
    static final String TIMEOUT = "TIMEOUT";
    static final Set<String> FINAL = Set.of(UPDATED, ROLLEDBACK, FAILURE, TIMEOUT);
    /** The log is a handful of lines per OTA; more than this is not read (only its end is). */
    static final int MAX_READ_BYTES = 1 << 20;

    private static final Logger log = LoggerFactory.getLogger(OtaRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path file;
    final String trace;
    final String type;
    private List<Map<String, Object>> records = List.of();

    private OtaRun(Path file, String trace, String type) {
        this.file = file;
        this.trace = trace;
        this.type = type;
    }

    /** A new OTA: logs RECEIVED. */
    static OtaRun received(Path file, OtaEvent e) {
        OtaRun run = new OtaRun(file, e.trace(), e.type());
        run.write(RECEIVED, "ota event is received", null);
        return run;
    }

    /**
     * The OTA a previous agent left unfinished (it was restarted by the update, or the master was replaced), or null
     * when there is no OTA log. A log without any traced line is removed: there is nothing to report.
     */
    static OtaRun recover(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        String trace = null;
        String type = "";
        for (Map<String, Object> r : readAll(file)) {
            String t = str(r.get("trace"));
            if (!t.isEmpty()) {
                trace = t;
                type = str(r.get("type"));
                break;
            }
        }
        if (trace == null) {
            delete(file);
            return null;
        }
        OtaRun run = new OtaRun(file, trace, type);
        run.load();
        return run;
    }

    /** Appends one of the agent's steps. */
    void write(String step, String msg, String error) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("level", error == null ? "info" : "error");
        line.put("msg", msg);
        line.put("step", step);
        line.put("trace", trace);
        line.put("type", type);
        if (error != null) {
            line.put("error", error);
        }
        if (error == null) {
            log.info("ota step={} trace={} type={}: {}", step, trace, type, msg);
        } else {
            log.error("ota step={} trace={} type={}: {}: {}", step, trace, type, msg, error);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.error("cannot write the OTA log {}: {}", file, e.toString());
        }
    }

    /** Re-reads the log; true when this run's records changed. */
    boolean load() {
        List<Map<String, Object>> mine = new ArrayList<>();
        for (Map<String, Object> r : readAll(file)) {
            if (trace.equals(str(r.get("trace")))) {
                Map<String, Object> rec = new LinkedHashMap<>();
                for (String k : List.of("time", "step", "trace", "error")) {
                    String v = str(r.get(k));
                    if (!v.isEmpty()) {
                        rec.put(k, v);
                    }
                }
                mine.add(rec);
            }
        }
        boolean changed = !mine.equals(records);
        if (changed && !mine.isEmpty()) {
            records = List.copyOf(mine);
            return true;
        }
        return false;
    }

    List<Map<String, Object>> records() {
        return records;
    }

    String lastStep() {
        return records.isEmpty() ? "" : str(records.get(records.size() - 1).get("step"));
    }

    boolean finished() {
        return FINAL.contains(lastStep());
    }

    boolean succeeded() {
        return UPDATED.equals(lastStep());
    }

    /** Removes the log once the run is over (the next OTA starts a new one). */
    void close() {
        if (finished()) {
            delete(file);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("failed to remove the OTA log {}: {}", file, e.toString());
        }
    }

    private static List<Map<String, Object>> readAll(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        String text;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - MAX_READ_BYTES);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            text = new String(buf, StandardCharsets.UTF_8);
            if (from > 0) {
                text = text.substring(Math.max(0, text.indexOf('\n') + 1)); // drop the partial first line
            }
        } catch (IOException e) {
            return out; // not there (yet, or any more)
        }
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = JSON.readValue(line, Map.class);
                out.add(m);
            } catch (IOException e) {
                log.warn("OTA log {}: line ignored, not JSON: {}", file, line.length() > 200 ? line.substring(0, 200) : line);
            }
        }
        return out;
    }

    private static String str(Object o) {
        return o == null ? "" : String.valueOf(o);
    }
}
