package io.baetyl.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
    @Test
    void parsesGoSyntax() {
        assertThat(GoDuration.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(GoDuration.parse("1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
        assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("10ms")).isEqualTo(Duration.ofMillis(10));
        assertThat(GoDuration.parse("2us")).isEqualTo(Duration.ofNanos(2000));
        assertThat(GoDuration.parse("-5s")).isEqualTo(Duration.ofSeconds(-5));
        assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void rejectsWhatGoRejects() {
        for (String bad : new String[] {"", "5", "s", "5 s", "5d", "1h-2m", "abc"}) {
            assertThatThrownBy(() -> GoDuration.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void formatsLikeGo() {
        assertThat(GoDuration.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(GoDuration.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(GoDuration.format(Duration.ofHours(2))).isEqualTo("2h0m0s");
        assertThat(GoDuration.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    }

    @Test
    void sizesFollowDockerUnits() {
        assertThat(ByteSize.parse("32k").bytes()).isEqualTo(32768);
        assertThat(ByteSize.parse("32KB").bytes()).isEqualTo(32768);
        assertThat(ByteSize.parse("1.5g").bytes()).isEqualTo(3L << 29);
        assertThat(ByteSize.parse("268435455").bytes()).isEqualTo(268435455L);
        assertThatThrownBy(() -> ByteSize.parse("lots")).hasMessageContaining("lots");
    }
}
