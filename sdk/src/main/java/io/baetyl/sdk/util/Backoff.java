package io.baetyl.sdk.util;

import java.time.Duration;

/**
 * Exponential backoff without jitter, as Baetyl uses for restarts and reconnects: the n-th delay is
 * {@code min * factor^n}, capped at {@code max}. Not thread-safe; one per retrying thing.
 */
public final class Backoff {
    private final Duration min;
    private final Duration max;
    private final double factor;
    private int attempt;

    public Backoff(Duration min, Duration max, double factor) {
        if (min.isNegative() || max.compareTo(min) < 0 || factor < 1) {
            throw new IllegalArgumentException("backoff needs 0 <= min <= max and factor >= 1");
        }
        this.min = min;
        this.max = max;
        this.factor = factor;
    }

    /** The delay before the next attempt; each call moves one step further. */
    public Duration next() {
        double nanos = min.toNanos() * Math.pow(factor, attempt);
        attempt++;
        if (Double.isInfinite(nanos) || nanos >= max.toNanos()) {
            return max;
        }
        return Duration.ofNanos((long) nanos);
    }

    /** Back to {@code min}, after a success. */
    public void reset() {
        attempt = 0;
    }

    public int attempts() {
        return attempt;
    }
}
