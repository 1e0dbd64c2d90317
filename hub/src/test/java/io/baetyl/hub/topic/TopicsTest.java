package io.baetyl.hub.topic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TopicsTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "/a/b/c/d/e/f/g/h", "a/b", "a b", "中文", "a//b", "/"})
    void validPublishTopics(String t) {
        assertThat(Topics.isValidPublishTopic(t)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/a/b/c/d/e/f/g/h/i", "a/+", "#", "a/#", "$SYS/x", "$a", "a\u0000b", "a\uFFFDb"})
    void invalidPublishTopics(String t) {
        assertThat(Topics.isValidPublishTopic(t)).isFalse();
    }

    @Test
    void publishTopicLengthLimitIs255Bytes() {
        assertThat(Topics.isValidPublishTopic("a".repeat(255))).isTrue();
        assertThat(Topics.isValidPublishTopic("a".repeat(256))).isFalse();
        assertThat(Topics.isValidPublishTopic("中".repeat(85))).isTrue(); // 255 bytes
        assertThat(Topics.isValidPublishTopic("中".repeat(86))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"#", "+", "a/#", "a/+", "+/a/#", "a/+/b", "/a/b/c/d/e/f/g/h", "/#", "+/+"})
    void validFilters(String f) {
        assertThat(Topics.isValidFilter(f)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/#/b", "a#", "a/b#", "a+", "a/+b", "#/a", "$SYS/#", "/a/b/c/d/e/f/g/h/i", "test/a+/b"})
    void invalidFilters(String f) {
        assertThat(Topics.isValidFilter(f)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({
            "#, a, true", "#, a/b/c, true", "a/#, a, true", "a/#, a/b, true", "a/#, ab, false",
            "+, a, true", "+, a/b, false", "a/+, a/b, true", "a/+, a, false", "a/+, a/b/c, false",
            "+/+, /a, true", "/+, /a, true", "+, /a, false", "a/+/c, a/b/c, true", "a/+/c, a/b/d, false",
            "a/b, a/b, true", "a/b, a/bc, false", "a/b, a, false", "a, a/b, false", "+/#, a, true",
            "a/+, a/, true", "a/#, a/, true", "a/b/#, a, false"
    })
    void matches(String filter, String topic, boolean expected) {
        assertThat(Topics.matches(filter, topic)).as("%s ~ %s", filter, topic).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
            "#, a/+, true", "#, #, true", "a/+, a/b, true", "a/+, a/+, true", "a/+, a/#, false",
            "a/#, a/b/+, true", "a/#, a, true", "a/b, a/+, false", "+/a/#, b/a/c, true", "a/+, a/b/c, false",
            "test, test, true", "test, test/a, false"
    })
    void covers(String permit, String filter, boolean expected) {
        assertThat(Topics.covers(permit, filter)).as("%s covers %s", permit, filter).isEqualTo(expected);
    }

    /** MQTT 3.1.1 4.7.2: filters starting with a wildcard do not match topics starting with '$'. */
    @ParameterizedTest
    @CsvSource({
            "#, $SYS/broker/uptime, false", "+/broker/uptime, $SYS/broker/uptime, false", "+/#, $SYS/a, false",
            "$SYS/#, $SYS/broker/uptime, true", "$SYS/broker/+, $SYS/broker/uptime, true",
            "$SYS/+/uptime, $SYS/broker/uptime, true", "$SYS/broker/uptime, $SYS/broker/uptime, true"
    })
    void wildcardsDoNotMatchDollarTopics(String filter, String topic, boolean expected) {
        assertThat(Topics.matches(filter, topic)).as("%s ~ %s", filter, topic).isEqualTo(expected);
    }

    @Test
    void onlyADollarSysPermitCoversDollarSysFilters() {
        assertThat(Topics.covers("#", "$SYS/#")).isFalse();
        assertThat(Topics.covers("+/#", "$SYS/broker/uptime")).isFalse();
        assertThat(Topics.covers("$SYS/#", "$SYS/#")).isTrue();
        assertThat(Topics.covers("$SYS/#", "$SYS/broker/clients/+")).isTrue();
        assertThat(Topics.covers("$SYS/broker/uptime", "$SYS/#")).isFalse();
        assertThat(Topics.isSysFilter("$SYS/#")).isTrue();
        assertThat(Topics.isSysFilter("$SYS/broker/+/count")).isTrue();
        assertThat(Topics.isSysFilter("$SYS/a#")).isFalse();
        assertThat(Topics.isSysFilter("$other/#")).isFalse();
        assertThat(Topics.isValidFilter("$SYS/#")).as("not an ordinary filter").isFalse();
    }

    @Test
    void clientIds() {
        assertThat(Topics.isValidClientId("")).isTrue();
        assertThat(Topics.isValidClientId("a-B_0")).isTrue();
        assertThat(Topics.isValidClientId("x".repeat(128))).isTrue();
        assertThat(Topics.isValidClientId("x".repeat(129))).isFalse();
        assertThat(Topics.isValidClientId("a b")).isFalse();
        assertThat(Topics.isValidClientId("a/b")).isFalse();
    }
}
