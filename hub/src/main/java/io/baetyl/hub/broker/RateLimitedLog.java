package io.baetyl.hub.broker;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * One WARN line per event, but at most one per {@code everyMillis}: a client that keeps hitting a limit must not
 * flood the log. A line after a quiet spell says how many were not logged ({@code (N more since the last line)}); the
 * hub's counters count every event.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final long everyNanos;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(Logger log, long everyMillis) {
        this.log = log;
        this.everyNanos = everyMillis * 1_000_000;
    }

    public void warn(String format, Object... args) {
        long now = System.nanoTime();
        long n = next.get();
        if ((n != Long.MIN_VALUE && now - n < 0) || !next.compareAndSet(n, now + everyNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long s = suppressed.getAndSet(0);
        if (s > 0) {
            log.warn(format + " (" + s + " more since the last line)", args);
        } else {
            log.warn(format, args);
        }
    }
}
