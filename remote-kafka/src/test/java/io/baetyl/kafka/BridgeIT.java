package io.baetyl.kafka;

import io.baetyl.hub.testing.Certs;
import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.sdk.config.ByteSize;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge between our hub and a real Kafka broker (KRaft, one per class, topics never created on first use), with
 * independent Paho clients on the hub side and Kafka's own clients on the other.
 */
@Timeout(120)
class BridgeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path shared;
    static Certs certs;
    static KafkaBroker kafka;

    @TempDir
    Path tmp;
    LocalHub hub;
    RemoteKafka bridge;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void startKafka() throws Exception {
        RemoteKafkaMain.kafkaLogLevel("warn"); // as the module does by default (kafka.log_level)
        certs = Certs.create(shared.resolve("pki"), "kafka-test-ca", "bridge");
        kafka = new KafkaBroker(shared.resolve("kafka"), certs).start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    RemoteKafkaConfig config() {
        RemoteKafkaConfig c = new RemoteKafkaConfig();
        c.hub.address = hub.url();
        c.hub.username = "u1";
        c.hub.password = "p1";
        c.hub.interval = Duration.ofSeconds(1);
        c.hub.timeout = Duration.ofSeconds(5);
        c.kafka.bootstrap_servers = List.of(kafka.bootstrap());
        c.kafka.producer.max_block = Duration.ofSeconds(2);
        c.report.interval = Duration.ofMillis(200);
        return c;
    }

    static RemoteKafkaConfig.Rule rule(String filter, int qos, String kafkaTopic, String key) {
        RemoteKafkaConfig.Rule r = new RemoteKafkaConfig.Rule();
        r.hub.subscriptions.add(new MqttClientConfig.Subscription(filter, qos));
        r.kafka.topic = kafkaTopic;
        r.kafka.key = key;
        return r;
    }

    RemoteKafka start(RemoteKafkaConfig c) {
        c.validate();
        bridge = new RemoteKafka(c, m -> { }).start();
        return bridge;
    }

    MqttClient publisher(String id) throws Exception {
        MqttClient p = new MqttClient(hub.url(), id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("u1");
        o.setPassword("p1".toCharArray());
        o.setMaxInflight(1000);
        p.connect(o);
        closing.add(() -> {
            if (p.isConnected()) {
                p.disconnect(1000);
            }
            p.close(true);
        });
        return p;
    }

    /** Waits until the rule's hub session is subscribed ({@link #subscribed}). */
    void awaitSubscribed(int rule, String topic) {
        await().atMost(Duration.ofSeconds(30)).until(() -> subscribed(bridge, rule, hub, topic));
    }

    /**
     * The rule's hub session is connected and {@code hub} has a subscriber for {@code topic}. "Connected" alone is
     * reported on the CONNACK, before the SUBSCRIBE, and what is published in between is not for the bridge's new
     * session (KafkaOutageIT once waited a minute for 40 messages published in that gap, on a busy machine).
     */
    static boolean subscribed(RemoteKafka bridge, int rule, LocalHub hub, String topic) {
        return Boolean.TRUE.equals(hubStats(bridge, rule).get("connected"))
                && hub.hub().broker().hasSubscriber(topic, 1);
    }

    /** The rule's hub-side figures in the bridge's report ({@code kafka_stats.rules[rule].hub}). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> hubStats(RemoteKafka bridge, int rule) {
        Map<String, Object> s = (Map<String, Object>) bridge.stats().get("kafka_stats");
        return (Map<String, Object>) ((List<Map<String, Object>>) s.get("rules")).get(rule).get("hub");
    }

    long counter(int rule, String key) {
        return ((Number) bridge.ruleStats(rule).get(key)).longValue();
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    @Test
    void hubToKafkaKeepsOrderAndCarriesTopicAndQosInHeaders() throws Exception {
        hub = new LocalHub(null);
        kafka.createTopic("order.a", 3);
        kafka.createTopic("order.b", 1);
        RemoteKafkaConfig c = config();
        c.rules.add(rule("order/#", 1, "${topic}", "${topic}"));
        start(c);
        awaitSubscribed(0, "order/a");
        MqttClient pub = publisher("order-pub");
        for (int i = 0; i < 200; i++) {
            pub.publish("order/a", ("a" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            if (i % 4 == 0) {
                pub.publish("order/b", ("b" + i / 4).getBytes(StandardCharsets.UTF_8), 0, false);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> a = kafka.readAll("order.a", 200);
        assertThat(a).extracting(r -> text(r.value()))
                .containsExactlyElementsOf(IntStream.range(0, 200).mapToObj(i -> "a" + i).toList());
        assertThat(a).extracting(r -> text(r.key())).containsOnly("order/a");
        assertThat(a).extracting(r -> header(r, "mqtt_topic")).containsOnly("order/a");
        assertThat(a).extracting(r -> header(r, "mqtt_qos")).containsOnly("1");
        List<ConsumerRecord<byte[], byte[]>> b = kafka.readAll("order.b", 50);
        assertThat(b).extracting(r -> text(r.value()))
                .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(i -> "b" + i).toList());
        assertThat(b).extracting(r -> header(r, "mqtt_qos")).containsOnly("0");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(counter(0, "forwarded")).isEqualTo(250);
            assertThat(counter(0, "pending")).isZero();
        });
        // how the producer batched them, for tuning linger and batch_size
        @SuppressWarnings("unchecked")
        Map<String, Object> producer = (Map<String, Object>) ((Map<String, Object>) bridge.stats().get("kafka_stats")).get("producer");
        assertThat(producer).containsOnlyKeys("records_per_request_avg", "batch_size_avg", "record_queue_time_avg",
                "request_latency_avg");
        assertThat((Double) producer.get("records_per_request_avg")).isGreaterThanOrEqualTo(1.0);
        assertThat((Double) producer.get("batch_size_avg")).isGreaterThan(0.0);
    }

    @Test
    void keysFromClientIdOrJsonFieldAndTheJsonEnvelope() throws Exception {
        hub = new LocalHub(null);
        kafka.createTopic("cars", 4);
        kafka.createTopic("vins", 2);
        RemoteKafkaConfig c = config();
        RemoteKafkaConfig.Rule cars = rule("cars/+/data", 1, "cars", "${clientid}");
        cars.hub.clientid_level = 2;
        cars.kafka.value = RemoteKafkaConfig.Value.ENVELOPE;
        c.rules.add(cars);
        c.rules.add(rule("vins/#", 1, "vins", "${payload.vin}"));
        start(c);
        awaitSubscribed(0, "cars/x/data");
        awaitSubscribed(1, "vins/x");
        MqttClient pub = publisher("cars-pub");
        for (int i = 0; i < 10; i++) {
            for (int car = 1; car <= 4; car++) {
                pub.publish("cars/car" + car + "/data", ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), 1, false);
            }
        }
        pub.publish("vins/x", "{\"vin\":\"W0L123\",\"speed\":3}".getBytes(StandardCharsets.UTF_8), 1, false);
        pub.publish("vins/x", "not json".getBytes(StandardCharsets.UTF_8), 1, false);

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("cars", 40);
        assertThat(records).hasSize(40);
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byKey = records.stream()
                .collect(Collectors.groupingBy(r -> text(r.key())));
        assertThat(byKey).containsOnlyKeys("car1", "car2", "car3", "car4");
        for (var e : byKey.entrySet()) {
            assertThat(e.getValue()).extracting(ConsumerRecord::partition).as("one key, one partition").containsOnly(
                    e.getValue().get(0).partition());
            List<Integer> ns = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : e.getValue()) {
                JsonNode env = JSON.readTree(r.value());
                assertThat(env.get("topic").asText()).isEqualTo("cars/" + e.getKey() + "/data");
                assertThat(env.get("qos").asInt()).isEqualTo(1);
                assertThat(env.get("clientid").asText()).isEqualTo(e.getKey());
                assertThat(env.get("timestamp").asLong()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
                assertThat(header(r, "mqtt_clientid")).isEqualTo(e.getKey());
                ns.add(JSON.readTree(env.get("payload").asText()).get("n").asInt());
            }
            assertThat(ns).as("in order per key").containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
        List<ConsumerRecord<byte[], byte[]>> vins = kafka.readAll("vins", 2);
        assertThat(vins).extracting(r -> text(r.key())).containsExactlyInAnyOrder("W0L123", null);
        assertThat(vins).extracting(r -> text(r.value())).contains("{\"vin\":\"W0L123\",\"speed\":3}", "not json");
    }

    @Test
    void roundRobinSpreadsOneKeyOverEveryPartition() throws Exception {
        hub = new LocalHub(null);
        kafka.createTopic("rr", 3);
        RemoteKafkaConfig c = config();
        RemoteKafkaConfig.Rule r = rule("rr", 1, "rr", "${topic}");
        r.kafka.partitioning = RemoteKafkaConfig.Partitioning.ROUND_ROBIN;
        c.rules.add(r);
        start(c);
        awaitSubscribed(0, "rr");
        MqttClient pub = publisher("rr-pub");
        for (int i = 0; i < 30; i++) {
            pub.publish("rr", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        Map<Integer, Long> perPartition = kafka.readAll("rr", 30).stream()
                .collect(Collectors.groupingBy(ConsumerRecord::partition, Collectors.counting()));
        assertThat(perPartition).containsOnly(Map.entry(0, 10L), Map.entry(1, 10L), Map.entry(2, 10L));
    }

    @Test
    void unknownTopicIsAClearErrorAndTheMessagesStayInTheHub() throws Exception {
        hub = new LocalHub(tmp.resolve("hub"));
        RemoteKafkaConfig c = config();
        c.rules.add(rule("missing/#", 1, "not-there-yet", ""));
        c.rules.get(0).hub.clientid = "kafka-missing";
        try (LogCapture log = new LogCapture("io.baetyl.kafka")) {
            start(c);
            awaitSubscribed(0, "missing/x");
            MqttClient pub = publisher("missing-pub");
            for (int i = 0; i < 5; i++) {
                pub.publish("missing/x", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> log.contains("ERROR", "rules[0]: cannot send to Kafka",
                    "Kafka topic 'not-there-yet' does not exist", "auto.create.topics.enable=false",
                    "change rules[0].kafka.topic", "stays unacknowledged in the hub"));
            assertThat(counter(0, "forwarded")).isZero();
            assertThat(counter(0, "pending")).isEqualTo(5);
            assertThat(bridge.ruleStats(0).get("last_error").toString()).contains("does not exist");
        }
        // A new run of the bridge (same session) gets them from the hub once the topic exists: they were not lost.
        bridge.close();
        bridge = null;
        kafka.createTopic("not-there-yet", 1);
        start(c);
        assertThat(kafka.readAll("not-there-yet", 5)).extracting(r -> text(r.value()))
                .containsExactly("m0", "m1", "m2", "m3", "m4");
    }

    @Test
    void aPayloadOverMaxRequestSizeIsDroppedCountedAndTheRestFlows() throws Exception {
        hub = new LocalHub(null);
        kafka.createTopic("sizes", 1);
        RemoteKafkaConfig c = config();
        c.kafka.producer.max_request_size = ByteSize.ofBytes(4096);
        c.rules.add(rule("sizes", 1, "sizes", ""));
        try (LogCapture log = new LogCapture("io.baetyl.kafka")) {
            start(c);
            awaitSubscribed(0, "sizes");
            MqttClient pub = publisher("sizes-pub");
            pub.publish("sizes", "small-1".getBytes(StandardCharsets.UTF_8), 1, false);
            pub.publish("sizes", new byte[20_000], 1, false);
            pub.publish("sizes", "small-2".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(kafka.readAll("sizes", 2)).extracting(r -> text(r.value())).containsExactly("small-1", "small-2");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(counter(0, "dropped_too_large")).isEqualTo(1);
                assertThat(counter(0, "forwarded")).isEqualTo(2);
                assertThat(counter(0, "pending")).as("the dropped one is acknowledged, not retried").isZero();
            });
            assertThat(log.contains("ERROR", "rules[0]: message dropped (MQTT topic 'sizes', 20000 bytes)",
                    "kafka.producer.max_request_size")).isTrue();
        }
    }

    @Test
    void kafkaToHubCommitsOnlyWhatTheHubAcknowledged() throws Exception {
        hub = new LocalHub(tmp.resolve("hub"));
        kafka.createTopic("in.cmd", 2);
        Properties pp = new Properties();
        pp.put("bootstrap.servers", kafka.bootstrap());
        pp.put("key.serializer", ByteArraySerializer.class.getName());
        pp.put("value.serializer", ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp);
             HubObserver obs = new HubObserver(hub.url(), "cmd-app").subscribe("in/#")) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("in.cmd", ("k" + i % 2).getBytes(), ("c" + i).getBytes())).get();
            }
            RemoteKafkaConfig c = config();
            c.kafka.consumer.offset_reset = "earliest";
            RemoteKafkaConfig.Inbound in = new RemoteKafkaConfig.Inbound();
            in.kafka.topics.add("in.cmd");
            in.kafka.group = "cmd-bridge";
            in.hub.topic = "${topic}";
            in.hub.separator = ".";
            c.inbound.add(in);
            start(c);
            await().atMost(Duration.ofSeconds(60)).until(() -> obs.distinct().size() == 100);
            assertThat(obs.topics()).containsOnly("in/cmd");
            await().atMost(Duration.ofSeconds(20)).until(() -> total(kafka.committed("cmd-bridge")) == 100);

            // With the hub away the consumer pauses and commits nothing; the records come once it is back.
            hub.stop();
            for (int i = 100; i < 150; i++) {
                producer.send(new ProducerRecord<>("in.cmd", ("k" + i % 2).getBytes(), ("c" + i).getBytes())).get();
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Boolean.TRUE.equals(bridge.inboundStats(0).get("paused_while_hub_away")));
            long forwardedBefore = ((Number) bridge.inboundStats(0).get("forwarded")).longValue();
            assertThat(total(kafka.committed("cmd-bridge"))).isEqualTo(100);
            hub.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> obs.distinct().size() == 150);
            await().atMost(Duration.ofSeconds(20)).until(() -> total(kafka.committed("cmd-bridge")) == 150);
            assertThat(((Number) bridge.inboundStats(0).get("forwarded")).longValue() - forwardedBefore).isGreaterThanOrEqualTo(50);
            // per key (one partition each) in order
            for (String k : List.of("0", "1")) {
                List<Integer> seq = obs.distinct().stream().map(s -> Integer.parseInt(s.substring(1)))
                        .filter(n -> Integer.toString(n % 2).equals(k)).toList();
                assertThat(seq).isSorted();
            }
        }
    }

    static long total(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void saslSslWithPlainLoginAndAClearErrorForABadPassword() throws Exception {
        hub = new LocalHub(null);
        kafka.createTopic("secure", 1);
        RemoteKafkaConfig c = config();
        c.kafka.bootstrap_servers = List.of(kafka.saslBootstrap());
        c.kafka.ca = certs.ca.toString();
        c.kafka.sasl.mechanism = "PLAIN";
        c.kafka.sasl.username = "bridge";
        c.kafka.sasl.password = "wrong";
        c.rules.add(rule("secure", 1, "secure", ""));
        try (LogCapture log = new LogCapture("io.baetyl.kafka")) {
            start(c);
            awaitSubscribed(0, "secure");
            publisher("secure-pub-1").publish("secure", "s1".getBytes(StandardCharsets.UTF_8), 1, false);
            await().atMost(Duration.ofSeconds(30)).until(() -> log.contains("ERROR", "rules[0]: cannot send to Kafka",
                    "Kafka refused the login", "kafka.sasl"));
        }
        bridge.close();
        c.kafka.sasl.password = "bridge-secret";
        start(c);
        assertThat(kafka.readAll("secure", 1)).extracting(r -> text(r.value())).containsExactly("s1");
    }

    @Test
    void theModuleAsTheMasterRunsItBridgesAndExitsZeroOnSigterm() throws Exception {
        hub = new LocalHub(null);
        kafka.createTopic("proc", 1);
        Path conf = tmp.resolve("service.yml");
        Files.writeString(conf, """
                hub: {address: '%s', username: u1, password: p1, interval: 1s}
                kafka:
                  bootstrap_servers: '%s'
                  producer: {compression: lz4, linger: 20ms}
                rules:
                  - hub: {clientid: proc-rule, subscriptions: [{topic: proc/#, qos: 1}]}
                    kafka: {topic: proc, key: '${topic}', value: envelope}
                logger: {level: info}
                """.formatted(hub.url(), kafka.bootstrap()));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                "io.baetyl.kafka.RemoteKafkaMain", "-c", conf.toString())
                .directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("module.out").toFile())).start();
        try {
            MqttClient pub = publisher("proc-pub");
            // Until the module has subscribed, publishes go nowhere: repeat until one reaches Kafka.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                pub.publish("proc/x", "hello".getBytes(StandardCharsets.UTF_8), 1, false);
                return !kafka.readAll("proc", 0).isEmpty();
            });
            JsonNode env = JSON.readTree(kafka.readAll("proc", 1).get(0).value());
            assertThat(env.get("topic").asText()).isEqualTo("proc/x");
            assertThat(env.get("payload").asText()).isEqualTo("hello");
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String out = Files.readString(tmp.resolve("module.out"));
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("rules[0]: hub connected").doesNotContain("ProducerConfig values");
        } finally {
            p.destroyForcibly();
        }
    }
}
