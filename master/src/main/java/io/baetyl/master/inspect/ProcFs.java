package io.baetyl.master.inspect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small readers for Linux {@code /proc} files, rooted at a directory so tests can use fixtures. */
final class ProcFs {
    /** USER_HZ; fixed at 100 by the kernel ABI on every architecture we run on. */
    static final long CLOCK_TICKS = 100;

    private final Path root;

    ProcFs(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    String read(String relative) throws IOException {
        return Files.readString(root.resolve(relative), StandardCharsets.UTF_8);
    }

    /** {@code /proc/meminfo}-style {@code Key: 123 kB} lines, values in bytes (or as-is without a unit). */
    static Map<String, Long> parseKeyValueKb(String text) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String[] parts = line.substring(colon + 1).trim().split("\\s+");
            if (parts.length == 0 || parts[0].isEmpty()) {
                continue;
            }
            try {
                long v = Long.parseLong(parts[0]);
                if (parts.length > 1 && parts[1].equalsIgnoreCase("kB")) {
                    v *= 1024;
                }
                out.put(line.substring(0, colon).trim(), v);
            } catch (NumberFormatException ignored) {
                // non-numeric lines (e.g. in /proc/<pid>/status) are not needed
            }
        }
        return out;
    }

    /** Seconds since boot from {@code /proc/uptime}. */
    double uptimeSeconds() throws IOException {
        return Double.parseDouble(read("uptime").trim().split("\\s+")[0]);
    }

    /** The timestamp Go's {@code time.Time} JSON gives: RFC 3339 in UTC. */
    static String now() {
        return Instant.now().toString();
    }

    static double percent(double part, double whole) {
        return whole <= 0 ? 0 : part / whole * 100.0;
    }
}
