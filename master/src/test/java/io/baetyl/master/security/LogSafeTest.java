package io.baetyl.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class LogSafeTest {
    @Test
    void lineBreaksAndControlsBecomeVisibleEscapes() {
        assertThat(LogSafe.q("a\nINFO forged\r\tb")).isEqualTo("a\\nINFO forged\\r\\tb");
        assertThat(LogSafe.q("bell\u0007 del\u007f nel\u0085 ls\u2028")).isEqualTo("bell\\u0007 del\\u007f nel\\u0085 ls\\u2028");
        assertThat(LogSafe.q("plain-value_1.2")).isEqualTo("plain-value_1.2");
        assertThat(LogSafe.q(null)).isEqualTo("null");
        assertThat(LogSafe.q("é中文")).isEqualTo("é中文");
    }

    @Test
    void longValuesAreCut() {
        assertThat(LogSafe.q("x".repeat(1000))).isEqualTo("x".repeat(LogSafe.MAX_CHARS) + "...(700 more chars)");
        assertThat(LogSafe.q("ab\ncd", 3)).isEqualTo("ab\\n...(2 more chars)");
    }

    @Test
    void instanceNamesFollowTheServiceNameRuleWithDots() {
        assertThat(Names.requireInstance("function-sayhi.sayhi.1")).isEqualTo("function-sayhi.sayhi.1");
        assertThat(Names.requireInstance("hub.i1")).isEqualTo("hub.i1");
        for (String bad : new String[] {"..", ".hidden", "a/b", "a\nb", "", "-x", "a b", "x".repeat(256)}) {
            assertThatThrownBy(() -> Names.requireInstance(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid instance name").hasMessageNotContaining("\n");
        }
    }
}
