package io.baetyl.master.config;

import io.baetyl.sdk.config.GoDuration;
import java.time.Duration;

/** {@code restart:} of a service: policy always|on-failure|no, retry.max (0 = unlimited), backoff min/max/factor. */
public class RestartPolicy {
    public static final String ALWAYS = "always";
    public static final String ON_FAILURE = "on-failure";
    public static final String NO = "no";

    public Retry retry = new Retry();
    public String policy = ALWAYS;
    public Backoff backoff = new Backoff();

    public static class Retry {
        public int max;

    }

    public static class Backoff {
        public Duration min = Duration.ofSeconds(1);
        public Duration max = Duration.ofMinutes(5);
        public double factor = 2;

    }

    void validate(String key) {
        if (!ALWAYS.equals(policy) && !ON_FAILURE.equals(policy) && !NO.equals(policy)) {
            throw new IllegalArgumentException(key + ".policy: must be always, on-failure or no, got '" + policy + "'");
        }
        if (retry.max < 0) {
            throw new IllegalArgumentException(key + ".retry.max: must not be negative, got " + retry.max);
        }
        if (backoff.min.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(key + ".backoff.min: must be at least 1s, got " + GoDuration.format(backoff.min));
        }
        if (backoff.max.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(key + ".backoff.max: must be at least 1s, got " + GoDuration.format(backoff.max));
        }
        if (backoff.factor < 1) {
            throw new IllegalArgumentException(key + ".backoff.factor: must be at least 1, got " + backoff.factor);
        }
    }

}
