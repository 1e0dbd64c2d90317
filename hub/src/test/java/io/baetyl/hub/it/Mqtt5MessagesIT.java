package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT 5 messages through the hub with real clients: Eclipse Paho's MQTT 5 Java client and mosquitto_pub/sub/rr with
 * {@code -V mqttv5}. PUBLISH properties reach MQTT 5 subscribers (a 3.1.1 subscriber gets the plain message), survive
 * the QoS 1 log and a hub restart; request/response; message expiry for an offline session; server keep-alive.
 */
@Timeout(120)
@EnabledIf("io.baetyl.hub.it.ClientProcesses#mosquittoClientsInstalled")
class Mqtt5MessagesIT {
    @TempDir
    Path dir;
    TestHub hub;
    final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() {
        HubConfig c = TestHub.config();
        c.listen = List.of("tcp://127.0.0.1:" + FreePorts.next());
        hub = TestHub.start(c, dir.resolve("hub"));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        hub.close();
    }

    /** An MQTT 5 Paho client that records what it receives. */
    final class Client implements MqttCallback, AutoCloseable {
        final MqttClient paho;
        final List<MqttMessage> received = new CopyOnWriteArrayList<>();
        final List<String> topics = new CopyOnWriteArrayList<>();
        IMqttToken connack;

        Client(String id, boolean cleanStart, long sessionExpiry, int keepAlive) throws MqttException {
            paho = new MqttClient(hub.url(), id, new MemoryPersistence());
            paho.setCallback(this);
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setUserName("u1");
            o.setPassword("p1".getBytes(StandardCharsets.UTF_8));
            o.setCleanStart(cleanStart);
            o.setSessionExpiryInterval(sessionExpiry);
            o.setKeepAliveInterval(keepAlive);
            o.setAutomaticReconnect(false);
            o.setConnectionTimeout(10);
            o.setTopicAliasMaximum(8);
            connack = paho.connectWithResult(o);
            open.add(this);
        }

        Client(String id) throws MqttException {
            this(id, true, 0, 60);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            topics.add(topic);
            received.add(message);
        }

        @Override
        public void disconnected(MqttDisconnectResponse r) {
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String uri) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }

        @Override
        public void close() throws MqttException {
            if (paho.isConnected()) {
                paho.disconnect();
            }
            paho.close();
        }
    }

    private static MqttMessage message(String payload, int qos, MqttProperties props) {
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(qos);
        m.setProperties(props);
        return m;
    }

    private static MqttProperties allProperties(long expiry) {
        MqttProperties p = new MqttProperties();
        p.setPayloadFormat(true);
        p.setContentType("text/plain");
        p.setResponseTopic("reply/to");
        p.setCorrelationData(new byte[] {4, 2});
        p.setMessageExpiryInterval(expiry);
        p.setUserProperties(List.of(new UserProperty("k", "v1"), new UserProperty("k", "v2")));
        return p;
    }

    private static void assertAll(MqttMessage m, long maxExpiry) {
        MqttProperties p = m.getProperties();
        assertThat(p.getPayloadFormat()).isTrue();
        assertThat(p.getContentType()).isEqualTo("text/plain");
        assertThat(p.getResponseTopic()).isEqualTo("reply/to");
        assertThat(p.getCorrelationData()).containsExactly(4, 2);
        assertThat(p.getMessageExpiryInterval()).isBetween(1L, maxExpiry);
        assertThat(p.getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue()).containsExactly("k=v1", "k=v2");
    }

    private Process run(List<String> cmd, List<String> lines) throws Exception {
        Process p = ClientProcesses.start(cmd, lines);
        open.add(p::destroyForcibly);
        return p;
    }

    private List<String> mosquitto(String tool, String version, String id) {
        return new ArrayList<>(List.of(tool, "-h", "127.0.0.1", "-p", Integer.toString(hub.port()), "-V", version,
                "-i", id, "-u", "u1", "-P", "p1"));
    }

    @Test
    void propertiesFromMosquittoPubReachMosquittoSubAndPahoV5AndA311SubscriberGetsThePlainMessage() throws Exception {
        List<String> v5lines = new CopyOnWriteArrayList<>();
        List<String> v3lines = new CopyOnWriteArrayList<>();
        List<String> sub5 = mosquitto("mosquitto_sub", "mqttv5", "sub5");
        // topic, payload, content type, response topic, correlation data, user properties, payload format
        sub5.addAll(List.of("-q", "1", "-t", "p/#", "-F", "%t|%p|%C|%R|%D|%P|%F"));
        List<String> sub3 = mosquitto("mosquitto_sub", "mqttv311", "sub3");
        sub3.addAll(List.of("-q", "1", "-t", "p/#", "-v"));
        run(sub5, v5lines);
        run(sub3, v3lines);
        Client paho = new Client("paho5");
        paho.paho.subscribe("p/#", 1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> pub = mosquitto("mosquitto_pub", "mqttv5", "pub5");
            pub.addAll(List.of("-q", "1", "-t", "p/x", "-m", "hello",
                    "-D", "publish", "content-type", "text/plain",
                    "-D", "publish", "response-topic", "reply/to",
                    "-D", "publish", "correlation-data", "c-42",
                    "-D", "publish", "user-property", "k", "v1",
                    "-D", "publish", "payload-format-indicator", "1",
                    "-D", "publish", "message-expiry-interval", "600"));
            assertThat(run(pub, new ArrayList<>()).waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(v5lines).contains("p/x|hello|text/plain|reply/to|c-42|k:v1|1");
            assertThat(v3lines).contains("p/x hello");
            assertThat(paho.received).isNotEmpty();
        });
        MqttProperties p = paho.received.get(0).getProperties();
        assertThat(p.getContentType()).isEqualTo("text/plain");
        assertThat(new String(p.getCorrelationData(), StandardCharsets.UTF_8)).isEqualTo("c-42");
        assertThat(p.getMessageExpiryInterval()).isBetween(1L, 600L);
    }

    @Test
    void requestResponseBetweenMosquittoRrAndAPahoV5Responder() throws Exception {
        Client responder = new Client("responder");
        responder.paho.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage request) throws Exception {
                MqttProperties in = request.getProperties();
                MqttProperties out = new MqttProperties();
                out.setCorrelationData(in.getCorrelationData());
                String body = "re:" + new String(request.getPayload(), StandardCharsets.UTF_8);
                new Thread(() -> {
                    try {
                        responder.paho.publish(in.getResponseTopic(), message(body, 1, out));
                    } catch (MqttException e) {
                        throw new IllegalStateException(e);
                    }
                }).start();
            }

            @Override
            public void disconnected(MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(MqttException e) {
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String uri) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        responder.paho.subscribe("service/echo", 1);
        List<String> lines = new CopyOnWriteArrayList<>();
        List<String> rr = mosquitto("mosquitto_rr", "mqttv5", "requester");
        rr.addAll(List.of("-q", "1", "-t", "service/echo", "-e", "service/echo/reply/requester", "-m", "ping", "-W", "30"));
        Process p = run(rr, lines);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // the reader thread may not have taken the last line from the pipe when waitFor returns
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(lines).contains("re:ping"));
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void propertiesSurviveTheLogAndARestartAndExpiredMessagesAreNotDeliveredToAReturningSession() throws Exception {
        Client away = new Client("away", true, 3600, 60);
        away.paho.subscribe("s/#", 1);
        away.close();
        Client pub = new Client("pub");
        long sent = System.currentTimeMillis();
        pub.paho.publish("s/short", message("short", 1, allProperties(1)));
        pub.paho.publish("s/long", message("long", 1, allProperties(600)));
        pub.close();
        open.clear();
        hub.restart();
        // the short message's interval has passed once a second went by since it was sent
        await().atMost(Duration.ofSeconds(60)).until(() -> System.currentTimeMillis() > sent + 1500);
        Client back = new Client("away", false, 3600, 60);
        assertThat(back.connack.getSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> back.received.size() >= 1);
        assertThat(back.topics).containsExactly("s/long");
        assertAll(back.received.get(0), 599);
        assertThat(back.received.get(0).getPayload()).isEqualTo("long".getBytes(StandardCharsets.UTF_8));
        // and a retained message's properties after the restart
        Client again = new Client("pub2");
        again.paho.publish("s/retained", messageRetained("kept", allProperties(600)));
        hub.restart();
        Client late = new Client("late");
        late.paho.subscribe("s/retained", 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> late.received.size() >= 1);
        assertAll(late.received.get(0), 600);
    }

    private static MqttMessage messageRetained(String payload, MqttProperties props) {
        MqttMessage m = message(payload, 1, props);
        m.setRetained(true);
        return m;
    }

    @Test
    void aKeepAliveAboveTheMaximumIsLoweredAndEnforcedWithADisconnect() throws Exception {
        HubConfig c = TestHub.config();
        c.listen = List.of("tcp://127.0.0.1:" + FreePorts.next());
        c.connect.keepalive.max = Duration.ofSeconds(1);
        try (TestHub strict = TestHub.start(c, dir.resolve("strict"));
             Socket s = new Socket("127.0.0.1", strict.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            // CONNECT, MQTT 5, clean start, username u1, password p1, keep-alive 600 s, no properties, client id "ka"
            out.write(new byte[] {0x10, 23, 0, 4, 'M', 'Q', 'T', 'T', 5, (byte) 0xC2, 0x02, 0x58, 0,
                    0, 2, 'k', 'a', 0, 2, 'u', '1', 0, 2, 'p', '1'});
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(in.readUnsignedByte()).isEqualTo(0x20);
            byte[] connack = new byte[in.readUnsignedByte()];
            in.readFully(connack);
            assertThat(connack[1]).as("reason code").isEqualTo((byte) 0);
            int ska = serverKeepAlive(connack);
            assertThat(ska).isEqualTo(1);
            long t0 = System.nanoTime();
            // silent: the hub closes after 1.5 × its keep-alive, with DISCONNECT 0x8D
            assertThat(in.readUnsignedByte()).isEqualTo(0xE0);
            int len = in.readUnsignedByte();
            assertThat(len).isGreaterThanOrEqualTo(1);
            assertThat(in.readUnsignedByte()).isEqualTo(0x8D);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(15_000);
        }
    }

    @Test
    void propertiesCountTowardsMessageLengthMax() throws Exception {
        HubConfig c = TestHub.config();
        c.listen = List.of("tcp://127.0.0.1:" + FreePorts.next());
        c.message.length.max = io.baetyl.sdk.config.ByteSize.ofBytes(1024);
        try (TestHub small = TestHub.start(c, dir.resolve("small"));
             Socket s = new Socket("127.0.0.1", small.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x10, 23, 0, 4, 'M', 'Q', 'T', 'T', 5, (byte) 0xC2, 0, 60, 0,
                    0, 2, 'l', 'm', 0, 2, 'u', '1', 0, 2, 'p', '1'});
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(in.readUnsignedByte()).isEqualTo(0x20);
            in.readFully(new byte[in.readUnsignedByte()]);
            // 600 bytes of payload fit in 1k (the PINGREQ behind it is answered) ...
            out.write(publishWithUserProperty(1, 600));
            out.write(new byte[] {(byte) 0xC0, 0});
            out.flush();
            assertThat(in.readUnsignedByte()).isEqualTo(0xD0);
            assertThat(in.readUnsignedByte()).isEqualTo(0);
            // ... with 600 bytes of user property the PUBLISH does not
            out.write(publishWithUserProperty(600, 600));
            out.flush();
            assertThat(in.readUnsignedByte()).isEqualTo(0xE0);
            assertThat(in.readUnsignedByte()).isGreaterThanOrEqualTo(1);
            assertThat(in.readUnsignedByte()).as("packet too large").isEqualTo(0x95);
        }
    }

    /** A QoS 0 PUBLISH to "t" with one user property ("k", {@code valueBytes} x) and {@code payloadBytes} of payload. */
    private static byte[] publishWithUserProperty(int valueBytes, int payloadBytes) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        int props = 1 + 2 + 1 + 2 + valueBytes;
        int remaining = 2 + 1 + varIntLength(props) + props + payloadBytes;
        b.write(0x30);
        writeVarInt(b, remaining);
        b.writeBytes(new byte[] {0, 1, 't'});
        writeVarInt(b, props);
        b.writeBytes(new byte[] {0x26, 0, 1, 'k', (byte) (valueBytes >> 8), (byte) valueBytes});
        b.writeBytes("x".repeat(valueBytes).getBytes(StandardCharsets.UTF_8));
        b.writeBytes("p".repeat(payloadBytes).getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    private static int varIntLength(int v) {
        return v < 128 ? 1 : v < 16_384 ? 2 : 3;
    }

    private static void writeVarInt(java.io.ByteArrayOutputStream b, int v) {
        do {
            int d = v % 128;
            v /= 128;
            b.write(v > 0 ? d | 0x80 : d);
        } while (v > 0);
    }

    /** The Server Keep Alive property (0x13) of a CONNACK's variable header, or -1. */
    private static int serverKeepAlive(byte[] connack) {
        int i = 2;
        int propsLen = connack[i++] & 0x7F; // short property lists: one byte
        int end = i + propsLen;
        while (i < end) {
            int id = connack[i++] & 0xFF;
            switch (id) {
                case 0x13 -> {
                    return ((connack[i] & 0xFF) << 8) | (connack[i + 1] & 0xFF);
                }
                case 0x21, 0x22 -> i += 2; // receive maximum, topic alias maximum
                case 0x24, 0x25, 0x28, 0x29, 0x2A -> i += 1;
                case 0x27, 0x11 -> i += 4; // maximum packet size, session expiry
                case 0x12, 0x1A, 0x1C, 0x1F -> i += 2 + (((connack[i] & 0xFF) << 8) | (connack[i + 1] & 0xFF));
                default -> throw new AssertionError("unexpected CONNACK property " + id);
            }
        }
        return -1;
    }
}
