package io.baetyl.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class OtaEventTest {
    private static OtaEvent parse(String json) throws Exception {
        return OtaEvent.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAnOtaEvent() throws Exception {
        OtaEvent e = parse("""
                {"time":"2019-10-31T12:00:00Z","event":"OTA","content":{"type":"MST","trace":"t1","version":"v2",
                 "volume":{"name":"mst-v2","path":"var/db/baetyl/mst-v2","meta":{"url":"https://c/v.zip","md5":"abc==","version":"v2"}}}}
                """);
        assertThat(e.type()).isEqualTo("MST");
        assertThat(e.trace()).isEqualTo("t1");
        assertThat(e.volume().name).isEqualTo("mst-v2");
        assertThat(e.volume().meta.md5).isEqualTo("abc==");
    }

    @Test
    void theLegacyUpdateEventIsAnAppOta() throws Exception {
        OtaEvent e = parse("""
                {"event":"UPDATE","content":{"trace":"t2","version":"v3","config":{"name":"app","path":"var/db/baetyl/app",
                 "meta":{"url":"https://c/a.zip","md5":"m"}}}}
                """);
        assertThat(e.type()).isEqualTo("APP");
        assertThat(e.trace()).isEqualTo("t2");
        assertThat(e.volume().path).isEqualTo("var/db/baetyl/app");
    }

    @Test
    void fieldNamesMatchCaseInsensitivelyAsInGo() throws Exception {
        OtaEvent e = parse("{\"Event\":\"OTA\",\"Content\":{\"Type\":\"APP\",\"Trace\":\"t3\",\"Volume\":{\"Name\":\"a\"}}}");
        assertThat(e.trace()).isEqualTo("t3");
        assertThat(e.volume().name).isEqualTo("a");
    }

    @Test
    void unknownAndMalformedEventsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("{not json")).isInstanceOf(OtaEvent.InvalidEvent.class)
                .hasMessageStartingWith("event invalid:");
        assertThatThrownBy(() -> parse("{\"event\":\"REBOOT\",\"content\":{}}")).hasMessage("event type (REBOOT) unexpected");
        assertThatThrownBy(() -> parse("[1,2]")).hasMessage("event invalid: not a JSON object");
        assertThatThrownBy(() -> parse("{\"event\":\"OTA\"}")).hasMessage("event content invalid: missing content object");
        assertThatThrownBy(() -> parse("{\"event\":\"OTA\",\"content\":{\"type\":\"BIOS\"}}"))
                .hasMessage("event content invalid: type (BIOS) must be APP or MST");
        assertThatThrownBy(() -> parse("{\"event\":\"OTA\",\"content\":{\"volume\":[]}}"))
                .hasMessageStartingWith("event content invalid:");
    }
}
