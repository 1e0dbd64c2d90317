package io.baetyl.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.sdk.mqtt.MqttMessage;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RecordMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RemoteKafkaConfig.Rule rule(String topic, String key, RemoteKafkaConfig.Value value, int clientidLevel) {
        RemoteKafkaConfig.Rule r = new RemoteKafkaConfig.Rule();
        r.kafka.topic = topic;
        r.kafka.key = key;
        r.kafka.value = value;
        r.hub.clientid_level = clientidLevel;
        RecordMapper.validate("rules[0]", r);
        return r;
    }

    private static MqttMessage msg(String topic, int qos, String payload) {
        return new MqttMessage(topic, qos, payload.getBytes(StandardCharsets.UTF_8), false, false, 1);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    @Test
    void topicTemplateMapsSlashesAndReplacesWhatKafkaForbids() throws Exception {
        RecordMapper m = new RecordMapper(rule("mqtt-${topic}", "", RemoteKafkaConfig.Value.RAW, 0));
        assertThat(m.topicOf("a/b/c")).isEqualTo("mqtt-a.b.c");
        assertThat(m.topicOf("sensor 1/temp°")).isEqualTo("mqtt-sensor_1.temp_");
        RecordMapper fixed = new RecordMapper(rule("vehicles", "", RemoteKafkaConfig.Value.RAW, 0));
        assertThat(fixed.topicOf("any/thing")).isEqualTo("vehicles");
        assertThatThrownBy(() -> m.topicOf("x".repeat(300))).isInstanceOf(RecordMapper.MappingException.class)
                .hasMessageContaining("not a legal Kafka topic name");
    }

    @Test
    void keyFromClientIdTopicOrJsonFieldAndHeaders() throws Exception {
        RecordMapper byClient = new RecordMapper(rule("v", "${clientid}", RemoteKafkaConfig.Value.RAW, 2));
        ProducerRecord<byte[], byte[]> r = byClient.map(msg("cars/car7/data", 1, "{}"), 1000L, null);
        assertThat(text(r.key())).isEqualTo("car7");
        assertThat(header(r, "mqtt_topic")).isEqualTo("cars/car7/data");
        assertThat(header(r, "mqtt_qos")).isEqualTo("1");
        assertThat(header(r, "mqtt_clientid")).isEqualTo("car7");
        assertThat(r.timestamp()).isEqualTo(1000L);
        assertThat(r.partition()).isNull();

        RecordMapper byTopic = new RecordMapper(rule("v", "${topic}", RemoteKafkaConfig.Value.RAW, 0));
        r = byTopic.map(msg("a/b", 0, "x"), 1L, 2);
        assertThat(text(r.key())).isEqualTo("a/b");
        assertThat(header(r, "mqtt_qos")).isEqualTo("0");
        assertThat(header(r, "mqtt_clientid")).isNull();
        assertThat(r.partition()).isEqualTo(2);

        RecordMapper byField = new RecordMapper(rule("v", "${payload.car.vin}", RemoteKafkaConfig.Value.RAW, 0));
        assertThat(text(byField.map(msg("t", 1, "{\"car\":{\"vin\":\"W0L\"}}"), 1L, null).key())).isEqualTo("W0L");
        assertThat(text(byField.map(msg("t", 1, "{\"car\":{\"vin\":42}}"), 1L, null).key())).isEqualTo("42");
        assertThat(byField.map(msg("t", 1, "not json"), 1L, null).key()).as("no field: no key").isNull();
        assertThat(byField.map(msg("t", 1, "{\"car\":{}}"), 1L, null).key()).isNull();

        RecordMapper none = new RecordMapper(rule("v", "", RemoteKafkaConfig.Value.RAW, 0));
        ProducerRecord<byte[], byte[]> raw = none.map(msg("t", 1, "payload"), 1L, null);
        assertThat(raw.key()).isNull();
        assertThat(text(raw.value())).isEqualTo("payload");
    }

    @Test
    void envelopeCarriesTopicQosClientIdTimestampAndPayload() throws Exception {
        RecordMapper m = new RecordMapper(rule("v", "", RemoteKafkaConfig.Value.ENVELOPE, 2));
        JsonNode e = JSON.readTree(m.map(msg("cars/car7/data", 1, "{\"speed\":50}"), 1234L, null).value());
        assertThat(e.get("topic").asText()).isEqualTo("cars/car7/data");
        assertThat(e.get("qos").asInt()).isEqualTo(1);
        assertThat(e.get("clientid").asText()).isEqualTo("car7");
        assertThat(e.get("timestamp").asLong()).isEqualTo(1234L);
        assertThat(e.get("payload").asText()).isEqualTo("{\"speed\":50}");
        assertThat(e.has("payload_encoding")).isFalse();

        RecordMapper noClient = new RecordMapper(rule("v", "", RemoteKafkaConfig.Value.ENVELOPE, 0));
        byte[] binary = {(byte) 0xff, 0, 1};
        JsonNode b = JSON.readTree(noClient.map(new MqttMessage("bin", 0, binary, false, false, 0), 5L, null).value());
        assertThat(b.has("clientid")).isFalse();
        assertThat(b.get("payload").asText()).isEqualTo("/wAB");
        assertThat(b.get("payload_encoding").asText()).isEqualTo("base64");
    }

    @Test
    void clientIdLevelBeyondTheTopicIsEmpty() {
        RecordMapper m = new RecordMapper(rule("v", "${clientid}", RemoteKafkaConfig.Value.RAW, 3));
        assertThat(m.clientIdOf("a/b")).isEmpty();
        assertThat(m.clientIdOf("a/b/c/d")).isEqualTo("c");
    }
}
