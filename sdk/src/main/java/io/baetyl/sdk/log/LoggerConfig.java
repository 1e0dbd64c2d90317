package io.baetyl.sdk.log;

import io.baetyl.sdk.config.Validated;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code logger:} block every Baetyl config has: {@code path}, {@code level}, {@code format},
 * {@code age.max} (days), {@code size.max} (MB), {@code backup.max} (rotated files kept).
 */
public class LoggerConfig implements Validated {
    private static final Set<String> LEVELS = Set.of("debug", "info", "warn", "warning", "error", "fatal", "panic");

    public String path = "";
    public String level = "info";
    public String format = "text";
    public Max age = new Max(15);
    public Max size = new Max(50);
    public Max backup = new Max(15);

    public LoggerConfig() {
    }

    public LoggerConfig(String path) {
        this.path = path;
    }

    /** A nested {@code {max: N}} block. */
    public static class Max {
        public int max;

        public Max() {
        }

        public Max(int max) {
            this.max = max;
        }
    }

    @Override
    public void validate() {
        if (!LEVELS.contains(level.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("logger.level: must be one of debug, info, warn, error; got '" + level + "'");
        }
        if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException("logger.format: must be text or json; got '" + format + "'");
        }
        if (age.max < 0 || size.max < 0 || backup.max < 0) {
            throw new IllegalArgumentException("logger: age.max, size.max and backup.max must not be negative");
        }
    }
}
