package io.baetyl.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RemoteKafkaConfigTest {
    private static RemoteKafkaConfig parse(String yaml) {
        return ServiceConfigLoader.parse(yaml, "service.yml", RemoteKafkaConfig.class, RemoteKafkaConfig::new);
    }

    private static final String BASE = """
            hub: {address: 'tcp://127.0.0.1:1883', username: test, password: hahaha}
            kafka: {bootstrap_servers: '127.0.0.1:9092'}
            """;

    private static void fails(String yaml, String message) {
        assertThatThrownBy(() -> parse(BASE + yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    private static void failsKafka(String kafkaKeys, String message) {
        assertThatThrownBy(() -> parse("hub: {address: 'tcp://127.0.0.1:1883'}\nkafka: {bootstrap_servers: '127.0.0.1:9092', "
                + kafkaKeys + "}\n")).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void theDocumentedExampleLoadsWithItsDefaults() {
        RemoteKafkaConfig c = parse("""
                hub:
                  address: tcp://localhub:1883
                  username: test
                  password: hahaha
                kafka:
                  bootstrap_servers: 127.0.0.1:9092,127.0.0.2:9092
                  producer:
                    compression: lz4
                    linger: 10ms
                    batch_size: 128k
                rules:
                  - hub:
                      clientid: kafka-vehicles
                      subscriptions:
                        - topic: vehicles/+/telemetry
                          qos: 1
                      clientid_level: 2
                    kafka:
                      topic: vehicles
                      key: ${clientid}
                      value: envelope
                inbound:
                  - kafka: {topics: [commands]}
                    hub: {topic: 'cmd/${topic}', qos: 1}
                """);
        assertThat(KafkaSettings.servers(c.kafka)).containsExactly("127.0.0.1:9092", "127.0.0.2:9092");
        assertThat(c.ruleClientId(0)).isEqualTo("kafka-vehicles");
        assertThat(c.ruleHubClient(0).cleansession).as("a persistent session is the buffer").isFalse();
        assertThat(c.rules.get(0).kafka.partitioning).isEqualTo(RemoteKafkaConfig.Partitioning.KEY);
        assertThat(c.inboundClientId(0)).isEqualTo("remote-kafka-inbound-0");
        assertThat(c.inboundGroup(0)).isEqualTo("baetyl-remote-kafka-inbound-0");
        assertThat(c.report.interval).isEqualTo(Duration.ofSeconds(20));

        Properties p = KafkaSettings.producer(c.kafka);
        assertThat(p.getProperty("acks")).isEqualTo("all");
        assertThat(p.getProperty("enable.idempotence")).isEqualTo("true");
        assertThat(p.getProperty("compression.type")).isEqualTo("lz4");
        assertThat(p.getProperty("linger.ms")).isEqualTo("10");
        assertThat(p.getProperty("batch.size")).isEqualTo(Integer.toString(128 << 10));
        assertThat(p.getProperty("security.protocol")).isEqualTo("PLAINTEXT");
        assertThat(p.getProperty("max.in.flight.requests.per.connection")).isEqualTo("5");
        assertThat(KafkaSettings.consumer(c.kafka, "g", 0).getProperty("enable.auto.commit")).isEqualTo("false");
    }

    @Test
    void requestsInFlightMayBeLoweredWithinWhatKeepsTheOrder() {
        RemoteKafkaConfig c = parse("hub: {address: 'tcp://127.0.0.1:1883'}\nkafka: {bootstrap_servers: '127.0.0.1:9092', "
                + "properties: {max.in.flight.requests.per.connection: '1'}}\n");
        assertThat(KafkaSettings.producer(c.kafka).getProperty("max.in.flight.requests.per.connection")).isEqualTo("1");
        failsKafka("properties: {max.in.flight.requests.per.connection: '6'}",
                "kafka.properties.max.in.flight.requests.per.connection: must be 1..5 (the idempotent producer keeps the "
                        + "order per partition only up to 5), got '6'");
        failsKafka("properties: {max.in.flight.requests.per.connection: many}",
                "kafka.properties.max.in.flight.requests.per.connection: must be 1..5");
    }

    @Test
    void qos2IsAcceptedAndSubscribedAsQos1() {
        RemoteKafkaConfig c = parse(BASE + "rules: [{hub: {subscriptions: [{topic: t, qos: 2}]}}]\n");
        assertThat(c.ruleHubClient(0).subscriptions.get(0).qos).isEqualTo(1);
    }

    @Test
    void saslAndTlsChooseTheSecurityProtocolAndJaasLine() throws Exception {
        java.nio.file.Path ca = java.nio.file.Files.createTempFile("ca", ".pem");
        java.nio.file.Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        RemoteKafkaConfig c = parse("""
                hub: {address: 'tcp://127.0.0.1:1883'}
                kafka:
                  bootstrap_servers: [k1:9093]
                  ca: '%s'
                  sasl: {mechanism: scram-sha-512, username: bridge, password: 'p"w'}
                """.formatted(ca));
        Properties p = KafkaSettings.producer(c.kafka);
        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(p.getProperty("sasl.jaas.config"))
                .isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"bridge\" password=\"p\\\"w\";");
        assertThat(p.getProperty("ssl.truststore.type")).isEqualTo("PEM");
        assertThat(p.getProperty("ssl.truststore.certificates")).contains("BEGIN CERTIFICATE");
        java.nio.file.Files.delete(ca);
    }

    @Test
    void errorsNameTheKeyAndTheBadValue() {
        fails("rules: [{hub: {subscriptions: [{topic: t, qos: 3}]}}]", "rules[0].hub.subscriptions[0].qos: must be 0, 1 or 2, got 3");
        fails("rules: [{hub: {subscriptions: []}}]", "rules[0].hub.subscriptions: at least one topic filter is required");
        fails("rules: [{hub: {subscriptions: [{topic: t}]}, kafka: {topic: 'bad topic'}}]", "rules[0].kafka.topic: not a Kafka topic name: 'bad topic'");
        fails("rules: [{hub: {subscriptions: [{topic: t}]}, kafka: {topic: '${clientid}'}}]",
                "rules[0].kafka.topic: unknown placeholder ${clientid} (only ${topic})");
        fails("rules: [{hub: {subscriptions: [{topic: t}]}, kafka: {key: '${vin}'}}]",
                "rules[0].kafka.key: unknown placeholder ${vin} (use ${clientid}, ${topic}, ${qos} or ${payload.<field>})");
        fails("rules: [{hub: {subscriptions: [{topic: t}]}, kafka: {key: '${clientid}'}}]",
                "rules[0].kafka.key: ${clientid} needs rules[0].hub.clientid_level");
        fails("rules: [{hub: {subscriptions: [{topic: t}]}, kafka: {key: '${topic'}}]", "rules[0].kafka.key: unclosed placeholder");
        fails("rules: [{hub: {subscriptions: [{topic: t}]}, kafka: {value: json}}]", "rules[0].kafka.value");
        fails("rules: [{hub: {subscriptions: [{topic: a}]}}, {hub: {clientid: remote-kafka-0, subscriptions: [{topic: b}]}}]",
                "rules[1].hub.clientid: the hub client id 'remote-kafka-0' is also used by rules[0]");
        fails("inbound: [{kafka: {topics: ['a/b']}}]", "inbound[0].kafka.topics[0]: not a Kafka topic name: 'a/b'");
        fails("inbound: [{kafka: {topics: [a]}, hub: {topic: 'x/#'}}]", "inbound[0].hub.topic: no wildcards");
        fails("inbound: [{kafka: {topics: [a]}, hub: {qos: 2}}]", "inbound[0].hub.qos: must be 0 or 1, got 2");
        assertThatThrownBy(() -> parse("hub: {address: 'tcp://127.0.0.1:1883'}\n"))
                .hasMessageContaining("kafka.bootstrap_servers: is required");
        assertThatThrownBy(() -> parse("hub: {address: 'tcp://127.0.0.1:1883'}\nkafka: {bootstrap_servers: nohost}\n"))
                .hasMessageContaining("kafka.bootstrap_servers: expected host:port, got 'nohost'");
        failsKafka("sasl: {mechanism: GSSAPI}", "kafka.sasl.mechanism: must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got 'GSSAPI'");
        failsKafka("ca: /nonexistent/ca.pem", "kafka.ca: cannot read '/nonexistent/ca.pem'");
        failsKafka("producer: {compression: brotli}", "kafka.producer.compression");
        failsKafka("properties: {acks: '1'}", "kafka.properties.acks: must stay all");
        failsKafka("properties: {enable.auto.commit: 'true'}", "kafka.properties.enable.auto.commit: must stay false");
        failsKafka("properties: {lingr.ms: '5'}", "kafka.properties.lingr.ms: not a Kafka client property");
        failsKafka("consumer: {offset_reset: none}", "kafka.consumer.offset_reset: must be latest or earliest, got 'none'");
    }
}
