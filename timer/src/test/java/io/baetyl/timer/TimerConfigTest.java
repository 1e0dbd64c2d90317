package io.baetyl.timer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TimerConfigTest {
    private static TimerConfig parse(String yaml) {
        return ServiceConfigLoader.parse(yaml, "service.yml", TimerConfig.class, TimerConfig::new);
    }

    @Test
    void defaultsAreTheOriginals() {
        TimerConfig c = parse("hub: {address: 'tcp://127.0.0.1:1883', clientid: timer-1}\n");
        assertThat(c.timer.interval).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.publish.topic).isEqualTo("timer");
        assertThat(c.publish.qos).isZero();
        assertThat(c.publish.payload).isEmpty();
    }

    @Test
    void theExampleConfigLoads() {
        TimerConfig c = parse("""
                hub:
                  address: tcp://localhub:1883
                  username: test
                  password: hahaha
                  clientid: timer-1
                timer:
                  interval: 10s
                publish:
                  topic: t
                  qos: 1
                  payload:
                    id: 1
                logger:
                  path: var/log/baetyl/service.log
                  level: debug
                """);
        assertThat(c.timer.interval).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.publish.topic).isEqualTo("t");
        assertThat(c.publish.qos).isEqualTo(1);
        assertThat(c.publish.payload).isEqualTo(Map.of("id", 1));
    }

    @Test
    void badValuesNameTheirKey() {
        String hub = "hub: {address: 'tcp://127.0.0.1:1883', clientid: timer-1}\n";
        assertThatThrownBy(() -> parse(hub + "publish: {qos: 2}\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("publish.qos: must be 0 or 1, got 2");
        assertThatThrownBy(() -> parse(hub + "timer: {interval: 0s}\n"))
                .hasMessageContaining("timer.interval: must be positive");
        assertThatThrownBy(() -> parse(hub + "publish: {topic: 'a/#'}\n"))
                .hasMessageContaining("publish.topic: wildcards are not allowed");
        assertThatThrownBy(() -> parse("hub: {clientid: x}\n")).hasMessageContaining("hub.address: is required");
        assertThatThrownBy(() -> parse("hub: {address: 'tcp://127.0.0.1:1883'}\n"))
                .hasMessageContaining("hub.clientid: is required when hub.cleansession is false");
    }
}
