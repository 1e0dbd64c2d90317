package io.baetyl.master.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionsTest {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
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
            return now;
        }
    };

    @Test
    void sessionsExpireWhenIdleAndAreBounded() {
        Sessions s = new Sessions(clock, Duration.ofMinutes(30));
        Sessions.Session a = s.open(Principal.user("a", List.of(), false), null);
        assertThat(a.id()).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(a.csrf());
        now = now.plus(Duration.ofMinutes(29));
        assertThat(s.get(a.id())).isSameAs(a); // touched
        now = now.plus(Duration.ofMinutes(29));
        assertThat(s.get(a.id())).isSameAs(a);
        now = now.plus(Duration.ofMinutes(31));
        assertThat(s.get(a.id())).isNull();
        for (int i = 0; i < Sessions.MAX_SESSIONS + 5; i++) {
            s.open(Principal.user("u" + i, List.of(), false), null);
        }
        assertThat(s.size()).isEqualTo(Sessions.MAX_SESSIONS);
        assertThat(s.get("not-a-session")).isNull();
        assertThat(s.get(null)).isNull();
    }
}
