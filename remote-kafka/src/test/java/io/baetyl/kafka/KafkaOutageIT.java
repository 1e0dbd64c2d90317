package io.baetyl.kafka;

import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka away: down when the bridge starts, then killed (SIGKILL) and started again while messages stream in. No QoS 1
 * message is lost and each key's messages reach Kafka in the order they were published (a message may come twice).
 */
@Timeout(240)
class KafkaOutageIT {
    private static final int VEHICLES = 4;
    private static final int BEFORE = 100;   // per vehicle, published while Kafka is down
    private static final int STREAMED = 400; // per vehicle, published across the kill and restart

    @TempDir
    Path tmp;
    LocalHub hub;
    KafkaBroker kafka;
    RemoteKafka bridge;

    @org.junit.jupiter.api.BeforeAll
    static void quiet() {
        RemoteKafkaMain.kafkaLogLevel("warn"); // as the module does by default (kafka.log_level)
    }

    @AfterEach
    void stop() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void downAtStartAndKilledMidStreamLosesNoQos1MessageAndKeepsOrderPerKey() throws Exception {
        hub = new LocalHub(tmp.resolve("hub"));
        kafka = new KafkaBroker(tmp.resolve("kafka"), null); // not started yet
        RemoteKafkaConfig c = bridgeConfig("kafka-fleet", "fleet/+/pos", "fleet", "${clientid}");
        c.rules.get(0).hub.clientid_level = 2;
        // The topic is created while the bridge sends: with several requests in flight to a partition the broker has
        // not finished creating, the 4.4.0 broker can append a later request and then refuse every retry of the first
        // with OUT_OF_ORDER_SEQUENCE_NUMBER (upstream KAFKA-15591): seen once in a loaded CI run, the rule stuck.
        // One request in flight keeps this test about outages (docs/KAFKA.md, "Known issues").
        c.kafka.properties.put("max.in.flight.requests.per.connection", "1");
        c.validate();

        MqttClient pub = new MqttClient(hub.url(), "fleet-pub", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("u1");
        o.setPassword("p1".toCharArray());
        o.setMaxInflight(1000);
        pub.connect(o);
        try (LogCapture log = new LogCapture("io.baetyl.kafka")) {
            bridge = new RemoteKafka(c, m -> { }).start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> bridge.ruleStats(0) != null && hubSubscribed("fleet/v0/pos"));
            for (int i = 0; i < BEFORE; i++) {
                for (int v = 0; v < VEHICLES; v++) {
                    pub.publish("fleet/v" + v + "/pos", ("v" + v + ":" + i).getBytes(StandardCharsets.UTF_8), 1, false);
                }
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> log.contains("ERROR", "rules[0]: cannot send to Kafka",
                    "Kafka is not reachable at " + kafka.bootstrap()));
            assertThat(counter("forwarded")).isZero();

            kafka.start();
            kafka.createTopic("fleet", VEHICLES);
            await().atMost(Duration.ofSeconds(90)).until(() -> counter("forwarded") >= (long) BEFORE * VEHICLES);

            // Stream the rest; SIGKILL Kafka a third of the way in and start it again while publishing goes on.
            AtomicInteger published = new AtomicInteger();
            Thread streamer = new Thread(() -> {
                try {
                    for (int i = BEFORE; i < BEFORE + STREAMED; i++) {
                        for (int v = 0; v < VEHICLES; v++) {
                            pub.publish("fleet/v" + v + "/pos", ("v" + v + ":" + i).getBytes(StandardCharsets.UTF_8), 1, false);
                            published.incrementAndGet();
                        }
                        Thread.sleep(2); // a steady stream (~1,500 msg/s), so the outage falls in the middle of it
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "streamer");
            streamer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> published.get() >= STREAMED * VEHICLES / 3);
            kafka.kill();
            long forwardedAtKill = counter("forwarded");
            Thread.sleep(3000); // Kafka stays away for a while; the hub keeps what arrives meanwhile
            kafka.start();
            streamer.join(120_000);
            assertThat(published.get()).isEqualTo(STREAMED * VEHICLES);
            int total = (BEFORE + STREAMED) * VEHICLES;
            await().atMost(Duration.ofSeconds(120)).until(() -> counter("forwarded") >= total && counter("pending") == 0);
            assertThat(forwardedAtKill).as("the kill fell mid-stream").isLessThan(total);

            List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("fleet", total);
            Map<String, List<Integer>> perKey = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> rec : records) {
                String[] kv = new String(rec.value(), StandardCharsets.UTF_8).split(":");
                assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo(kv[0]);
                perKey.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(Integer.parseInt(kv[1]));
            }
            assertThat(perKey).hasSize(VEHICLES);
            for (Map.Entry<String, List<Integer>> e : perKey.entrySet()) {
                // First arrivals in order, none missing; a redelivered message may only repeat an earlier one.
                Set<Integer> first = new LinkedHashSet<>(e.getValue());
                assertThat(new ArrayList<>(first)).as("order of %s", e.getKey()).isSorted();
                assertThat(first).as("nothing lost for %s", e.getKey()).hasSize(BEFORE + STREAMED);
            }
            System.out.printf("outage test: %d records in Kafka for %d messages (%d duplicates)%n", records.size(), total,
                    records.size() - total);
        } finally {
            pub.disconnect(1000);
            pub.close(true);
        }
    }

    /**
     * The acknowledgements (written in batches) wait for Kafka's: with Kafka killed, what the bridge got from the hub
     * meanwhile stays unacknowledged in the bridge's hub session, and whoever takes that session over gets exactly those.
     */
    @Test
    void aKilledKafkaLeavesTheMessagesItHasNotAcknowledgedInTheHub() throws Exception {
        hub = new LocalHub(tmp.resolve("hub"));
        kafka = new KafkaBroker(tmp.resolve("kafka"), null);
        kafka.start();
        kafka.createTopic("held", 2);
        RemoteKafkaConfig c = bridgeConfig("kafka-held", "held/#", "held", "${topic}");
        c.validate();
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("u1");
        o.setPassword("p1".toCharArray());
        o.setMaxInflight(1000);
        MqttClient pub = new MqttClient(hub.url(), "held-pub", new MemoryPersistence());
        pub.connect(o);
        bridge = new RemoteKafka(c, m -> { }).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> bridge.ruleStats(0) != null && hubSubscribed("held/0"));
        for (int i = 0; i < 40; i++) {
            pub.publish("held/" + (i % 4), ("a" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> counter("forwarded") == 40 && counter("pending") == 0);
        assertThat(counter("ack_writes")).as("acknowledgement writes, each of one or more PUBACKs").isBetween(1L, 40L);

        kafka.kill();
        for (int i = 0; i < 30; i++) {
            pub.publish("held/" + (i % 4), ("b" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        // the bridge has all 30 from the hub (with the producer, or waiting for Kafka's metadata) and acknowledges none
        await().atMost(Duration.ofSeconds(30)).until(() -> counter("pending") == 30);
        assertThat(counter("forwarded")).isEqualTo(40);
        bridge.close(); // the producer gives the 30 up: still unacknowledged
        bridge = null;

        List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        MqttClient takeover = new MqttClient(hub.url(), "kafka-held", new MemoryPersistence());
        takeover.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                got.add(new String(m.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions t = new MqttConnectOptions();
        t.setUserName("u1");
        t.setPassword("p1".toCharArray());
        t.setCleanSession(false); // the bridge's session, with its subscription and its unacknowledged messages
        try {
            takeover.connect(t);
            pub.publish("held/end", "end".getBytes(StandardCharsets.UTF_8), 1, false);
            await().atMost(Duration.ofSeconds(30)).until(() -> got.contains("end"));
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                expected.add("b" + i);
            }
            expected.add("end");
            assertThat(got).as("exactly the messages Kafka had not acknowledged, then the new one").isEqualTo(expected);
        } finally {
            takeover.disconnect(1000);
            takeover.close(true);
            pub.disconnect(1000);
            pub.close(true);
        }
    }

    /** The bridge between this test's hub and Kafka, with one QoS 1 rule {@code filter} -> {@code topic}. */
    private RemoteKafkaConfig bridgeConfig(String clientId, String filter, String topic, String key) {
        RemoteKafkaConfig c = new RemoteKafkaConfig();
        c.hub.address = hub.url();
        c.hub.username = "u1";
        c.hub.password = "p1";
        c.hub.interval = Duration.ofSeconds(1);
        c.kafka.bootstrap_servers = List.of(kafka.bootstrap());
        c.kafka.producer.max_block = Duration.ofSeconds(2);
        RemoteKafkaConfig.Rule r = new RemoteKafkaConfig.Rule();
        r.hub.clientid = clientId;
        r.hub.subscriptions.add(new MqttClientConfig.Subscription(filter, 1));
        r.kafka.topic = topic;
        r.kafka.key = key;
        c.rules.add(r);
        return c;
    }

    private boolean hubSubscribed(String topic) {
        return BridgeIT.subscribed(bridge, 0, hub, topic);
    }

    private long counter(String key) {
        return ((Number) bridge.ruleStats(0).get(key)).longValue();
    }
}
