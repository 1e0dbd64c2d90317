package io.baetyl.kafka;

import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.exhook.ExHookConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 003's scenario on our hub: the user's ExHook server in Python ({@code exhook_server.py}, registering
 * {@code message.publish} and sending every message to Kafka's {@code testtopic} with kafka-python) plugged into the
 * hub through {@code exhook.servers}; its "case2" variant; and one hub serving that hook server and the remote-kafka
 * bridge at once. One real Kafka (KRaft) for the class.
 */
@Timeout(180)
class ExHookKafkaIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    static Path shared;
    static KafkaBroker kafka;
    static Path stubs;

    @TempDir
    Path tmp;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        RemoteKafkaMain.kafkaLogLevel("warn");
        kafka = new KafkaBroker(shared.resolve("kafka"), null).start();
        kafka.createTopic("testtopic", 1);
        kafka.createTopic("bridged", 1);
        stubs = shared.resolve("stubs");
        PythonHookServer.generateStubs(stubs);
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closing.add(c);
        return c;
    }

    static ExHookConfig.Server hookServer(int port) {
        ExHookConfig.Server s = new ExHookConfig.Server();
        s.name = "seed";
        s.url = "http://127.0.0.1:" + port;
        s.autoReconnect = "1s"; // the hub starts first: the hook server is down at start and loaded once it is up
        return s;
    }

    LocalHub hubWithHook(int hookPort) {
        return closing(new LocalHub(null, c -> c.exhook.servers = new ArrayList<>(List.of(hookServer(hookPort)))));
    }

    PythonHookServer python(LocalHub hub, int port, boolean case2) throws Exception {
        PythonHookServer p = closing(new PythonHookServer(stubs, tmp.resolve("py"), port, kafka.bootstrap(), case2));
        // the hub loads it within auto_reconnect of its start
        await("OnProviderLoaded").atMost(WAIT).until(() -> p.output().contains("OnProviderLoaded"));
        await("hook server up").atMost(WAIT).until(() -> hub.hub().exhook().up("seed"));
        return p;
    }

    /** A Paho client of the hub as u1; with {@code subscribe}, records what arrives. */
    final class Client implements AutoCloseable, MqttCallback {
        final MqttClient paho;
        final List<String> received = new CopyOnWriteArrayList<>();

        Client(LocalHub hub, String id, String subscribe) throws Exception {
            paho = new MqttClient(hub.url(), id, new MemoryPersistence());
            paho.setCallback(this);
            MqttConnectOptions o = new MqttConnectOptions();
            o.setUserName("u1");
            o.setPassword("p1".toCharArray());
            o.setMaxInflight(1000);
            paho.connect(o);
            if (subscribe != null) {
                paho.subscribe(subscribe, 1);
            }
            closing(this);
        }

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            received.add(topic + " " + new String(m.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }

        @Override
        public void close() throws Exception {
            if (paho.isConnected()) {
                paho.disconnect(1000);
            }
            paho.close(true);
        }
    }

    /**
     * testtopic's records (pickled exhook_pb2.Message) that contain {@code marker}, read from the beginning until at
     * least {@code atLeast} are there or 60 s passed; on a shortfall the hook server's output is in the message.
     */
    static List<String> inTesttopic(String marker, int atLeast, PythonHookServer py) {
        List<String> found = inTesttopic(marker, atLeast, Duration.ofSeconds(60));
        assertThat(found).as("testtopic records with " + marker + "; exhook_server.py said:\n" + py.output())
                .hasSizeGreaterThanOrEqualTo(atLeast);
        return found;
    }

    /**
     * The seed's hook sends with kafka-python's defaults (no retries) and never looks at the result, so the first
     * sends after its producer started can fail (the producer's first metadata of the topic) and are lost: that is the
     * seed code's own delivery guarantee. Publishes over MQTT until one of them reaches Kafka.
     */
    static void warmUp(MqttClient pub, PythonHookServer py) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; System.nanoTime() < deadline; i++) {
            pub.publish("warmup", ("warmup-" + i).getBytes(), 1, false);
            if (!inTesttopic("warmup-", 1, Duration.ofSeconds(2)).isEmpty()) {
                return;
            }
        }
        throw new AssertionError("no message reached testtopic in 60 s; exhook_server.py said:\n" + py.output());
    }

    static List<String> inTesttopic(String marker, int atLeast, Duration within) {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", kafka.bootstrap());
        p.put("key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        List<String> found = new ArrayList<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p)) {
            List<org.apache.kafka.common.TopicPartition> tps = List.of(new org.apache.kafka.common.TopicPartition("testtopic", 0));
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + within.toNanos();
            while (found.size() < atLeast && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
                    String v = new String(r.value(), StandardCharsets.ISO_8859_1);
                    if (v.contains(marker)) {
                        found.add(v);
                    }
                }
            }
        }
        return found;
    }

    @Test
    void seedHookServerSendsEveryPublishedMessageToKafka() throws Exception {
        int port = FreePorts.next();
        LocalHub hub = hubWithHook(port);
        Client sub = new Client(hub, "sub", "#");
        Client pub = new Client(hub, "vehicle-1", null);
        // published while the hook server is still down: the hub serves, nothing is registered yet
        pub.paho.publish("t/early", "early".getBytes(), 1, false);
        await().atMost(WAIT).until(() -> sub.received.contains("t/early early"));
        PythonHookServer py = python(hub, port, false);
        warmUp(pub.paho, py);
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String payload = "seed1-" + i;
            pub.paho.publish("t/" + (i % 3), payload.getBytes(), 1, false);
            sent.add(payload);
        }
        // STOP_AND_RETURN with the message as it came: delivered unchanged
        await().atMost(WAIT).until(() -> sub.received.stream().filter(s -> s.contains("seed1-")).count() == 20);
        List<String> inKafka = inTesttopic("seed1-", 20, py);
        for (String payload : sent) {
            assertThat(inKafka).as(payload).anyMatch(v -> v.contains(payload) && v.contains("vehicle-1"));
        }
    }

    @Test
    void seedCase2DropsTd() throws Exception {
        int port = FreePorts.next();
        LocalHub hub = hubWithHook(port);
        python(hub, port, true);
        Client sub = new Client(hub, "sub", "t/#");
        Client pub = new Client(hub, "vehicle-2", null);
        pub.paho.publish("t/d", "case2-dropped".getBytes(), 1, false); // acknowledged, not delivered
        pub.paho.publish("t/e", "case2-kept".getBytes(), 1, false);
        pub.paho.publish("t/d", "case2-dropped-qos0".getBytes(), 0, false);
        pub.paho.publish("t/f", "case2-last".getBytes(), 0, false);
        await().atMost(WAIT).until(() -> sub.received.contains("t/f case2-last"));
        assertThat(sub.received).containsExactly("t/e case2-kept", "t/f case2-last");
    }

    @Test
    void oneHubServesTheHookServerAndTheKafkaBridgeAtOnce() throws Exception {
        int port = FreePorts.next();
        LocalHub hub = hubWithHook(port);
        PythonHookServer py = python(hub, port, false);
        RemoteKafkaConfig c = new RemoteKafkaConfig();
        c.hub.address = hub.url();
        c.hub.username = "u1";
        c.hub.password = "p1";
        c.hub.interval = Duration.ofSeconds(1);
        c.hub.timeout = Duration.ofSeconds(5);
        c.kafka.bootstrap_servers = List.of(kafka.bootstrap());
        c.kafka.producer.max_block = Duration.ofSeconds(2);
        c.report.interval = Duration.ofMillis(500);
        c.rules.add(BridgeIT.rule("both/#", 1, "bridged", "topic"));
        c.validate();
        RemoteKafka bridge = closing(new RemoteKafka(c, m -> { }).start());
        Client pub = new Client(hub, "vehicle-3", null);
        warmUp(pub.paho, py);
        await().atMost(WAIT).until(() -> BridgeIT.subscribed(bridge, 0, hub, "both/0"));
        for (int i = 0; i < 10; i++) {
            pub.paho.publish("both/" + i, ("both-" + i).getBytes(), 1, false);
        }
        List<String> viaHook = inTesttopic("both-", 10, py);
        List<String> viaBridge = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll("bridged", 10)) {
            viaBridge.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        for (int i = 0; i < 10; i++) {
            String p = "both-" + i;
            assertThat(viaHook).as("hook " + p).anyMatch(v -> v.contains(p));
            assertThat(viaBridge).as("bridge " + p).contains(p);
        }
    }
}
