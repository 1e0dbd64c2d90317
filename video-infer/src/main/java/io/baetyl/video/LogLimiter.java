package io.baetyl.video;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Warnings that may repeat for every frame (a failing function at 30 frames/s) are logged at most once per interval
 * and kind, with the number of similar ones left out since, so the log stays readable and bounded.
 */
final class LogLimiter {
    private final Logger log;
    private final long intervalNanos;
    private final Map<String, long[]> kinds = new HashMap<>(); // kind -> {last logged nanoTime, suppressed}

    LogLimiter(Logger log, long intervalMillis) {
        this.log = log;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /** Logs {@code format} (slf4j style) unless {@code kind} was logged within the interval. */
    synchronized void warn(String kind, String format, Object... args) {
        long now = System.nanoTime();
        long[] s = kinds.get(kind);
        if (s != null && now - s[0] < intervalNanos) {
            s[1]++;
            return;
        }
        if (s == null) {
            s = new long[2];
            kinds.put(kind, s);
        }
        long suppressed = s[1];
        s[0] = now;
        s[1] = 0;
        if (suppressed > 0) {
            log.warn(format + " ({} similar in the last {} s not logged)", append(args, suppressed,
                    intervalNanos / 1_000_000_000L));
        } else {
            log.warn(format, args);
        }
    }

    private static Object[] append(Object[] args, Object a, Object b) {
        Object[] out = new Object[args.length + 2];
        System.arraycopy(args, 0, out, 0, args.length);
        out[args.length] = a;
        out[args.length + 1] = b;
        return out;
    }
}
