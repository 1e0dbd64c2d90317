package io.baetyl.sdk.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void growsByFactorUpToMaxAndResets() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5), 2);
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(2));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(4));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(5));
        b.reset();
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void factorOneIsConstant() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofMinutes(1), 1);
        for (int i = 0; i < 100; i++) {
            assertThat(b.next()).isEqualTo(Duration.ofMillis(500));
        }
    }
}
