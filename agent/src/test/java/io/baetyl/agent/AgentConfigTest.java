package io.baetyl.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ServiceConfigLoader;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AgentConfigTest {
    private static final String BAIDU = """
            remote:
              mqtt:
                clientid: 11dd7422353c46fc8851ef8fb9e40c2c
                address: ssl://h7gvsuh.mqtt.iot.bj.baidubce.com:1884
                username: h7gvsuh/11dd7422353c46fc8851ef8fb9e40c2c
                ca: var/db/baetyl/cert/ca.pem
                cert: var/db/baetyl/cert/client.pem
                key: var/db/baetyl/cert/client.key
              http:
                ca: var/db/baetyl/cert/ca.pem
            logger:
              path: var/log/baetyl/service.log
            """;

    private static AgentConfig parse(String yaml) {
        return ServiceConfigLoader.parse(yaml, "service.yml", AgentConfig.class, AgentConfig::new);
    }

    @Test
    void theDocsConfigGetsTheOriginalsDefaults() {
        AgentConfig c = parse(BAIDU);
        assertThat(c.remote.http.address).isEqualTo("https://iotedge.bj.baidubce.com");
        assertThat(c.remote.http.timeout).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.remote.report.url).isEqualTo("/v3/edge/info");
        assertThat(c.remote.report.interval).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.remote.report.topic).isEqualTo("$baidu/iot/edge/11dd7422353c46fc8851ef8fb9e40c2c/core/forward");
        assertThat(c.remote.desire.topic).isEqualTo("$baidu/iot/edge/11dd7422353c46fc8851ef8fb9e40c2c/core/backward");
        assertThat(c.remote.mqtt.subscriptions).singleElement()
                .satisfies(s -> assertThat(s.topic).isEqualTo(c.remote.desire.topic))
                .satisfies(s -> assertThat(s.qos).isEqualTo(1));
        assertThat(c.remote.mqtt.timeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.remote.mqtt.interval).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.remote.mqtt.keepalive).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.remote.mqtt.buffersize).isEqualTo(10);
        assertThat(c.remote.mqtt.cleansession).isFalse();
        assertThat(c.ota.timeout).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.ota.logger.path).isEqualTo("var/db/baetyl/volumes/ota.log");
        assertThat(c.ota.logger.format).isEqualTo("json");
        assertThat(c.ota.limit.size.bytes()).isEqualTo(1L << 30);
    }

    @Test
    void guangzhouIsInferredAndAnyOtherCloudSetsItsAddress() {
        assertThat(parse(BAIDU.replace(".bj.", ".gz.")).remote.http.address).isEqualTo("https://iotedge.gz.baidubce.com");
        String other = BAIDU.replace("h7gvsuh.mqtt.iot.bj.baidubce.com:1884", "cloud.example.com:8884");
        assertThatThrownBy(() -> parse(other)).hasMessageContaining("remote.http.address: remote http address missing");
        AgentConfig c = parse(other.replace("  http:\n", "  http:\n    address: https://cloud.example.com:8443\n"));
        assertThat(c.remote.http.address).isEqualTo("https://cloud.example.com:8443");
    }

    @Test
    void bufferSizeAsTheDocsSpellItAndTemplatesAreFilled() {
        AgentConfig c = parse(BAIDU.replace("  http:\n", "    buffer:\n      size: 20\n  desire:\n    topic: d/%s\n  http:\n"));
        assertThat(c.remote.mqtt.buffersize).isEqualTo(20);
        assertThat(c.remote.desire.topic).isEqualTo("d/11dd7422353c46fc8851ef8fb9e40c2c");
    }

    @Test
    void errorsNameTheKey() {
        assertThatThrownBy(() -> parse(BAIDU.replace("ssl://", "tcp://")))
                .hasMessageContaining("remote.mqtt.address: the cloud must be reached over TLS");
        assertThatThrownBy(() -> parse(BAIDU.replace("    cert: var/db/baetyl/cert/client.pem\n", "")))
                .hasMessageContaining("remote.mqtt");
        assertThatThrownBy(() -> parse(BAIDU.replace("  http:\n    ca: var/db/baetyl/cert/ca.pem\n", "")))
                .hasMessageContaining("remote.http.ca: remote http ca missing, must enable ssl");
        assertThatThrownBy(() -> parse(BAIDU.replace("  http:\n", "  http:\n    address: http://c:80\n")))
                .hasMessageContaining("remote.http.address: must be https://");
        assertThatThrownBy(() -> parse(BAIDU + "ota:\n  timeout: 0s\n")).hasMessageContaining("ota.timeout: must be positive");
        assertThatThrownBy(() -> parse(BAIDU.replace("    clientid: 11dd7422353c46fc8851ef8fb9e40c2c\n", "")))
                .hasMessageContaining("remote.mqtt.clientid: is required");
    }
}
