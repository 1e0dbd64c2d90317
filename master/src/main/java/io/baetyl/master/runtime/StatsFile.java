package io.baetyl.master.runtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PushbackInputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * {@code var/db/baetyl/application.stats}: what the master recorded about the instances it started
 * ({@code service → instance → {name, process|container}}), so that a master restarted after a crash can stop what
 * the old one left. Only the master's own records go in, never reported stats, so the file stays small.
 *
 * <p>Written as JSON to a temporary file, flushed to disk and renamed over the old one: a crash leaves either the
 * old or the new file, never half of one. Read as a JSON stream that keeps only the record keys and skips
 * everything else in linear time: a file of any size is readable at the next start.
 *
 * <p>Older versions wrote YAML, with every reported key in it. Those records cannot prove a live process is ours
 * (they lack the start ticks and launch id), so they only serve to warn about the processes left alone; a YAML file
 * up to {@link #MAX_LEGACY_YAML_BYTES} is read for that, a bigger one is skipped with a warning, because the YAML
 * parser needs time quadratic in the length of a long value (minutes for a few MB).
 */
final class StatsFile {
    private static final Logger log = LoggerFactory.getLogger(StatsFile.class);
    /** The keys of an instance entry that recovery uses; everything else in an old file is skipped unread. */
    static final Set<String> RECORD_KEYS = Set.of("process", "container");
    /** More instances than any app runs; a corrupt or hostile file cannot make recovery hold more. */
    static final int MAX_RECORDS = 10_000;
    /** Largest old-format (YAML) file read at all; see the class comment. */
    static final long MAX_LEGACY_YAML_BYTES = 512 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final StreamReadConstraints UNBOUNDED_STRINGS = StreamReadConstraints.builder()
            .maxStringLength(Integer.MAX_VALUE).maxDocumentLength(-1).build();
    private static final JsonFactory JSON_STREAM = JsonFactory.builder().streamReadConstraints(UNBOUNDED_STRINGS).build();
    private static final YAMLFactory YAML_STREAM;

    static {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(Integer.MAX_VALUE); // the default 3 MB made big old files unreadable
        YAML_STREAM = YAMLFactory.builder().loaderOptions(options).streamReadConstraints(UNBOUNDED_STRINGS).build();
    }

    private final Path file;

    StatsFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    /** Replaces the file atomically with {@code records}. */
    void write(Map<String, Map<String, Map<String, Object>>> records) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(records);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The records of the previous master; empty when there is no file. A damaged file yields what precedes the damage. */
    Map<String, Map<String, Map<String, Object>>> read() {
        Map<String, Map<String, Map<String, Object>>> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        int[] count = {0};
        try (PushbackInputStream in = new PushbackInputStream(Files.newInputStream(file), 1)) {
            boolean json = looksLikeJson(in);
            if (!json && Files.size(file) > MAX_LEGACY_YAML_BYTES) {
                log.warn("{} is an old-format (YAML) file of {} bytes, too large to read in bounded time; instances "
                        + "a crashed older master left running are not stopped (check for them by hand)", file,
                        Files.size(file));
                return out;
            }
            try (JsonParser p = (json ? JSON_STREAM : YAML_STREAM).createParser(in)) {
                readServices(p, out, count);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("{} is damaged ({}); recovering the {} instance(s) read before the damage", file,
                    io.baetyl.master.security.LogSafe.q(e.getMessage()), count[0]);
        }
        return out;
    }

    private static boolean looksLikeJson(PushbackInputStream in) throws IOException {
        int c;
        do {
            c = in.read();
        } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
        if (c >= 0) {
            in.unread(c);
        }
        return c == '{';
    }

    private static void readServices(JsonParser p, Map<String, Map<String, Map<String, Object>>> out, int[] count)
            throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return; // empty file or not a map: nothing recorded
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String service = p.currentName();
            if (p.nextToken() != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String instance = p.currentName();
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                Map<String, Object> record = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken value = p.nextToken();
                    if (RECORD_KEYS.contains(key) && value == JsonToken.START_OBJECT) {
                        record.put(key, JSON.readValue(p, Map.class));
                    } else {
                        p.skipChildren(); // reported stats of older versions: not trusted, not needed
                    }
                }
                if (!record.isEmpty() && count[0] < MAX_RECORDS) {
                    out.computeIfAbsent(service, k -> new LinkedHashMap<>()).put(instance, record);
                    count[0]++;
                }
            }
        }
    }
}
