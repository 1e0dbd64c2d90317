package io.baetyl.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baetyl.sdk.mqtt.MqttMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Turns a message from the hub into a Kafka record, per a rule: the topic from its template, the key from its template
 * (client id, MQTT topic, QoS or a JSON field of the payload), the value raw or as a JSON envelope, and the MQTT topic,
 * QoS (and client id, when known) as headers {@code mqtt_topic}, {@code mqtt_qos}, {@code mqtt_clientid}.
 */
final class RecordMapper {
    static final String HEADER_TOPIC = "mqtt_topic";
    static final String HEADER_QOS = "mqtt_qos";
    static final String HEADER_CLIENTID = "mqtt_clientid";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[][] QOS_BYTES = {{'0'}, {'1'}, {'2'}};

    private final Template topic;
    private final String separator;
    private final Template key;
    private final RemoteKafkaConfig.Value value;
    private final int clientidLevel;
    private final boolean keyNeedsJson;

    /** A message that cannot become a record (bad topic); retrying would not help. */
    static final class MappingException extends Exception {
        MappingException(String message) {
            super(message);
        }
    }

    RecordMapper(RemoteKafkaConfig.Rule rule) {
        this.topic = Template.parse(rule.kafka.topic);
        this.separator = rule.kafka.separator;
        this.key = Template.parse(rule.kafka.key);
        this.value = rule.kafka.value;
        this.clientidLevel = rule.hub.clientid_level;
        this.keyNeedsJson = key.usesPrefix("payload.");
    }

    /** Checks a rule's kafka block; errors name {@code prefix.kafka.<key>}. */
    static void validate(String prefix, RemoteKafkaConfig.Rule r) {
        String k = prefix + ".kafka";
        String sep = r.kafka.separator == null ? "" : r.kafka.separator;
        if (!sep.chars().allMatch(ch -> KafkaTopics.legal((char) ch))) {
            throw new IllegalArgumentException(k + ".separator: must be made of a-z A-Z 0-9 . _ -, got '" + sep + "'");
        }
        String t = r.kafka.topic;
        if (t == null || t.isEmpty()) {
            throw new IllegalArgumentException(k + ".topic: is required (a Kafka topic, or a template such as ${topic})");
        }
        Template tt;
        try {
            tt = Template.parse(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(k + ".topic: " + e.getMessage());
        }
        String unknown = Template.unknownPlaceholder(t, List.of("topic"));
        if (unknown != null) {
            throw new IllegalArgumentException(k + ".topic: unknown placeholder ${" + unknown + "} (only ${topic})");
        }
        if (tt.isFixed() && !KafkaTopics.isLegal(t)) {
            throw new IllegalArgumentException(k + ".topic: not a Kafka topic name: '" + t
                    + "' (1-249 characters of a-z A-Z 0-9 . _ -)");
        }
        String keyText = r.kafka.key == null ? "" : r.kafka.key;
        try {
            Template.parse(keyText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(k + ".key: " + e.getMessage());
        }
        unknown = Template.unknownPlaceholder(keyText, List.of("clientid", "topic", "qos", "payload."));
        if (unknown != null) {
            throw new IllegalArgumentException(k + ".key: unknown placeholder ${" + unknown
                    + "} (use ${clientid}, ${topic}, ${qos} or ${payload.<field>})");
        }
        if (Template.parse(keyText).uses("clientid") && r.hub.clientid_level == 0) {
            throw new IllegalArgumentException(k + ".key: ${clientid} needs " + prefix + ".hub.clientid_level: MQTT 3.1.1 "
                    + "does not tell a subscriber who published, so the bridge reads the client id from that topic level "
                    + "(e.g. 2 for devices/<clientid>/data)");
        }
        // An empty key with partitioning by key is allowed: Kafka's sticky partitioner spreads keyless records.
    }

    /** The Kafka topic of a message, or an exception when it is no legal Kafka topic name. */
    String topicOf(String mqttTopic) throws MappingException {
        String t = topic.isFixed() ? topic.render(n -> null)
                : KafkaTopics.sanitize(topic.render(n -> mqttTopic.replace("/", separator)));
        if (!KafkaTopics.isLegal(t)) {
            throw new MappingException("MQTT topic '" + mqttTopic + "' gives Kafka topic '" + t
                    + "', which is not a legal Kafka topic name (1-249 characters)");
        }
        return t;
    }

    /** The publisher's client id when the rule says where the topic holds it, else null. */
    String clientIdOf(String mqttTopic) {
        if (clientidLevel <= 0) {
            return null;
        }
        int start = 0;
        for (int level = 1; level < clientidLevel; level++) {
            int slash = mqttTopic.indexOf('/', start);
            if (slash < 0) {
                return "";
            }
            start = slash + 1;
        }
        int end = mqttTopic.indexOf('/', start);
        return mqttTopic.substring(start, end < 0 ? mqttTopic.length() : end);
    }

    /**
     * The record for {@code m}, received at {@code receivedAt} (epoch ms, also the record's timestamp).
     *
     * @param partition the partition, or null to let the key decide
     */
    ProducerRecord<byte[], byte[]> map(MqttMessage m, long receivedAt, Integer partition) throws MappingException {
        String kafkaTopic = topicOf(m.topic());
        String clientId = clientIdOf(m.topic());
        JsonNode json = keyNeedsJson ? parseJson(m.payload()) : null;
        String k = key.isFixed() ? key.render(n -> null) : key.render(n -> switch (n) {
            case "clientid" -> clientId;
            case "topic" -> m.topic();
            case "qos" -> Integer.toString(m.qos());
            default -> field(json, n.substring("payload.".length()));
        });
        byte[] keyBytes = k.isEmpty() ? null : k.getBytes(StandardCharsets.UTF_8);
        byte[] val = value == RemoteKafkaConfig.Value.RAW ? m.payload() : envelope(m, clientId, receivedAt);
        List<Header> headers = new ArrayList<>(3);
        headers.add(new RecordHeader(HEADER_TOPIC, m.topic().getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(HEADER_QOS, QOS_BYTES[Math.min(2, Math.max(0, m.qos()))]));
        if (clientId != null) {
            headers.add(new RecordHeader(HEADER_CLIENTID, clientId.getBytes(StandardCharsets.UTF_8)));
        }
        return new ProducerRecord<>(kafkaTopic, partition, receivedAt, keyBytes, val, headers);
    }

    private static JsonNode parseJson(byte[] payload) {
        try {
            return JSON.readTree(payload);
        } catch (IOException e) {
            return null; // not JSON: a ${payload.x} key renders empty, and an empty key is no key
        }
    }

    /** A dotted path into a JSON object; text as is, other values as JSON, missing as null. */
    private static String field(JsonNode json, String path) {
        JsonNode n = json;
        for (String part : path.split("\\.")) {
            if (n == null) {
                return null;
            }
            n = n.get(part);
        }
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        return n.isValueNode() ? n.asText() : n.toString();
    }

    /**
     * {@code {"topic","qos","clientid"(when known),"timestamp","payload"}}: the payload as text when it is UTF-8,
     * otherwise base64 with {@code "payload_encoding":"base64"}.
     */
    private static byte[] envelope(MqttMessage m, String clientId, long receivedAt) {
        ObjectNode o = JSON.createObjectNode();
        o.put("topic", m.topic());
        o.put("qos", m.qos());
        if (clientId != null) {
            o.put("clientid", clientId);
        }
        o.put("timestamp", receivedAt);
        String text = utf8(m.payload());
        if (text != null) {
            o.put("payload", text);
        } else {
            o.put("payload", Base64.getEncoder().encodeToString(m.payload()));
            o.put("payload_encoding", "base64");
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // cannot happen for a tree of strings and numbers
        }
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
