package io.baetyl.master.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoginLimiterTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };
    final LoginLimiter limiter = new LoginLimiter(clock);

    @Test
    void anAddressWaitsAfterFiveFailuresUntilTheWindowEnds() {
        for (int i = 0; i < LoginLimiter.PER_ADDRESS; i++) {
            assertThat(limiter.retryAfterSeconds("10.0.0.1")).isZero();
            limiter.failed("10.0.0.1");
        }
        assertThat(limiter.retryAfterSeconds("10.0.0.1")).isEqualTo(60);
        assertThat(limiter.retryAfterSeconds("10.0.0.2")).as("another address").isZero();
        now.addAndGet(59_500);
        assertThat(limiter.retryAfterSeconds("10.0.0.1")).isEqualTo(1);
        now.addAndGet(500);
        assertThat(limiter.retryAfterSeconds("10.0.0.1")).isZero();
    }

    @Test
    void aSuccessClearsTheAddress() {
        for (int i = 0; i < LoginLimiter.PER_ADDRESS - 1; i++) {
            limiter.failed("a");
        }
        limiter.succeeded("a");
        limiter.failed("a");
        assertThat(limiter.retryAfterSeconds("a")).isZero();
    }

    @Test
    void manyAddressesTogetherAreLimitedToo() {
        for (int i = 0; i < LoginLimiter.OVERALL; i++) {
            limiter.failed("addr-" + i);
        }
        assertThat(limiter.retryAfterSeconds("fresh")).isPositive();
    }

    @Test
    void rememberedAddressesAreBounded() {
        for (int i = 0; i < LoginLimiter.MAX_ADDRESSES + 10; i++) {
            limiter.failed("addr-" + i);
            if (i % 40 == 0) {
                now.addAndGet(LoginLimiter.WINDOW_MILLIS); // keep the overall window from filling
            }
        }
        limiter.failed("addr-0"); // forgotten, so this is its first failure again
        assertThat(limiter.retryAfterSeconds("addr-0")).isZero();
    }
}
