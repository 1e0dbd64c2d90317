package io.baetyl.sdk.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.testing.DynsecMosquitto;
import io.baetyl.sdk.testing.Mosquitto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/** The sdk's hub client against a real Mosquitto broker. */
@Timeout(60)
class HubClientTest {
    @TempDir
    Path tmp;
    Mosquitto broker;
    final List<HubClient> clients = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = new Mosquitto(tmp.resolve("mosquitto"), null).start();
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(HubClient::close);
        broker.close();
    }

    private MqttClientConfig config(String clientId, boolean clean, String... topics) {
        MqttClientConfig c = new MqttClientConfig();
        c.address = broker.tcpAddress();
        c.clientid = clientId;
        c.cleansession = clean;
        c.interval = Duration.ofSeconds(1);
        for (String t : topics) {
            c.subscriptions.add(new MqttClientConfig.Subscription(t, 1));
        }
        return c;
    }

    private HubClient client(MqttClientConfig cfg, java.util.function.Consumer<MqttMessage> handler) throws Exception {
        HubClient c = new HubClient(cfg, handler).start();
        clients.add(c);
        c.connected().get(10, TimeUnit.SECONDS);
        return c;
    }

    @Test
    void publishesAndReceivesQos0AndQos1() throws Exception {
        List<MqttMessage> got = new CopyOnWriteArrayList<>();
        HubClient sub = client(config("sub", true, "t/#"), m -> {
            got.add(m);
        });
        HubClient pub = client(config("pub", true), null);
        pub.publish("t/0", 0, "zero".getBytes(StandardCharsets.UTF_8), false).get(5, TimeUnit.SECONDS);
        pub.publish("t/1", 1, "one".getBytes(StandardCharsets.UTF_8), false).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> got.size() == 2);
        assertThat(got).extracting(MqttMessage::topic).containsExactlyInAnyOrder("t/0", "t/1");
        MqttMessage one = got.stream().filter(m -> m.topic().equals("t/1")).findFirst().orElseThrow();
        assertThat(one.qos()).isEqualTo(1);
        assertThat(new String(one.payload(), StandardCharsets.UTF_8)).isEqualTo("one");
        got.forEach(sub::ack);
    }

    @Test
    void anUnacknowledgedQos1MessageIsDeliveredAgainToTheNextSession() throws Exception {
        List<MqttMessage> first = new CopyOnWriteArrayList<>();
        HubClient sub = client(config("keeper", false, "work"), first::add); // never acks
        HubClient pub = client(config("pub", true), null);
        pub.publish("work", 1, "job".getBytes(StandardCharsets.UTF_8), false).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> first.size() == 1);
        sub.close();

        List<MqttMessage> second = new CopyOnWriteArrayList<>();
        HubClient again = client(config("keeper", false, "work"), m -> {
            second.add(m);
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> !second.isEmpty());
        assertThat(new String(second.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("job");
        assertThat(second.get(0).dup()).isTrue();
        second.forEach(again::ack);
    }

    @Test
    void aBatchOfAcknowledgementsAcknowledgesExactlyThoseMessages() throws Exception {
        List<MqttMessage> first = new CopyOnWriteArrayList<>();
        HubClient sub = client(config("batcher", false, "work/#"), first::add);
        HubClient pub = client(config("pub", true), null);
        for (int i = 0; i < 10; i++) {
            pub.publish("work/" + i, 1, ("job" + i).getBytes(StandardCharsets.UTF_8), false).get(5, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> first.size() == 10);
        // all but job3 and job7, in one write, not in the order received
        List<MqttMessage> done = new java.util.ArrayList<>(first.stream()
                .filter(m -> !m.topic().equals("work/3") && !m.topic().equals("work/7")).toList());
        java.util.Collections.reverse(done);
        sub.ack(done); // written before close()'s DISCONNECT, on the same connection
        sub.close();

        List<MqttMessage> second = new CopyOnWriteArrayList<>();
        HubClient again = client(config("batcher", false, "work/#"), second::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> second.size() >= 2);
        pub.publish("work/last", 1, "last".getBytes(StandardCharsets.UTF_8), false).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> second.stream().anyMatch(m -> m.topic().equals("work/last")));
        // only the two left unacknowledged came again (before the new one)
        assertThat(second).extracting(MqttMessage::topic).containsExactly("work/3", "work/7", "work/last");
        again.ack(List.copyOf(second));
    }

    @Test
    void overWebSocketsABatchOfAcknowledgementsGoesThroughPahoOneByOne() throws Exception {
        int wsPort = io.baetyl.sdk.testing.FreePorts.next();
        try (Mosquitto ws = new Mosquitto(tmp.resolve("mosquitto-ws"),
                "allow_anonymous true\nlistener " + wsPort + " 127.0.0.1\nprotocol websockets\n").start()) {
            MqttClientConfig c = config("ws-batcher", false, "work/#");
            c.address = "ws://127.0.0.1:" + wsPort;
            List<MqttMessage> first = new CopyOnWriteArrayList<>();
            HubClient sub = client(c, first::add);
            MqttClientConfig p = config("ws-pub", true);
            p.address = c.address;
            HubClient pub = client(p, null);
            for (int i = 0; i < 4; i++) {
                pub.publish("work/" + i, 1, ("job" + i).getBytes(StandardCharsets.UTF_8), false).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> first.size() == 4);
            // raw PUBACK bytes in a WebSocket stream would break the connection; through Paho they are framed
            sub.ack(first.stream().filter(m -> !m.topic().equals("work/2")).toList());
            sub.close();
            List<MqttMessage> second = new CopyOnWriteArrayList<>();
            HubClient again = client(c, second::add);
            pub.publish("work/last", 1, "last".getBytes(StandardCharsets.UTF_8), false).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> second.stream().anyMatch(m -> m.topic().equals("work/last")));
            assertThat(second).extracting(MqttMessage::topic).containsExactly("work/2", "work/last");
            again.ack(List.copyOf(second));
        }
    }

    @Test
    void reconnectsAndResubscribesAfterTheBrokerRestarts() throws Exception {
        List<MqttMessage> got = new CopyOnWriteArrayList<>();
        HubClient sub = client(config("sub", true, "t"), m -> {
            got.add(m);
        });
        broker.stop();
        await().atMost(Duration.ofSeconds(60)).until(() -> !sub.isConnected());
        broker.start();
        await().atMost(Duration.ofSeconds(60)).until(sub::isConnected);
        HubClient pub = client(config("pub", true), null);
        // The subscription is made again after the reconnect; retry until it is in place.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            pub.publish("t", 0, new byte[] {1}, false);
            return !got.isEmpty();
        });
    }

    @Test
    @EnabledIf("io.baetyl.sdk.testing.DynsecMosquitto#available")
    void aRefusedSubscriptionIsRetriedOnTheSameConnectionUntilTheBrokerGrantsIt() throws Exception {
        try (DynsecMosquitto secured = DynsecMosquitto.start(tmp.resolve("dynsec"))) {
            secured.createClient("module", "module-pw");
            secured.createClient("app", "app-pw");
            secured.allow("app", "sender", "publishClientSend", "cmd/#");
            MqttClientConfig cfg = config("module", true, "cmd/#");
            cfg.address = secured.tcpAddress();
            cfg.username = "module";
            cfg.password = "module-pw";
            List<MqttMessage> got = new CopyOnWriteArrayList<>();
            List<String> events = new CopyOnWriteArrayList<>();
            HubClient module = new HubClient(cfg, got::add).onState(new HubClient.StateListener() {
                @Override
                public void connected() {
                    events.add("connected");
                }

                @Override
                public void connectionLost(Throwable cause) {
                    events.add("lost");
                }
            }).start();
            clients.add(module);
            await().atMost(Duration.ofSeconds(60)).until(module::isConnected);
            // refused (SUBACK 0x80): not subscribed, and retrying
            assertThat(module.connected()).isNotDone();
            MqttClientConfig appCfg = config("app", true);
            appCfg.address = secured.tcpAddress();
            appCfg.username = "app";
            appCfg.password = "app-pw";
            HubClient app = client(appCfg, null);
            secured.defaultAccess("subscribe", true);
            module.connected().get(20, TimeUnit.SECONDS);
            app.publish("cmd/go", 1, "go".getBytes(StandardCharsets.UTF_8), false).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> got.size() == 1);
            assertThat(got.get(0).topic()).isEqualTo("cmd/go");
            assertThat(events).as("granted on the connection it was refused on").containsExactly("connected");
        }
    }

    @Test
    void publishesMadeWhileDisconnectedWaitUpToBuffersizeAndGoOutAfterTheReconnect() throws Exception {
        MqttClientConfig cfg = config("pub", true);
        cfg.buffersize = 3;
        HubClient pub = client(cfg, null);
        broker.stop();
        await().atMost(Duration.ofSeconds(30)).until(() -> !pub.isConnected());
        List<java.util.concurrent.CompletableFuture<Void>> waiting = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(pub.publish("t", 1, new byte[] {(byte) i}, false));
        }
        var refused = pub.publish("t", 1, new byte[] {3}, false);
        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::join).hasMessageContaining("buffersize (3)");
        assertThat(waiting).noneMatch(java.util.concurrent.CompletableFuture::isDone);
        broker.start();
        // acknowledged by the broker once the client is back
        java.util.concurrent.CompletableFuture.allOf(waiting.toArray(java.util.concurrent.CompletableFuture[]::new))
                .get(60, TimeUnit.SECONDS);
        pub.publish("t", 1, new byte[] {4}, false).get(30, TimeUnit.SECONDS);
    }

    /**
     * A listener in front of the broker whose first connection is accepted and then never answered (as a broker that
     * hangs on a CONNECT); later connections are passed through to the broker.
     */
    private static final class StallingFirstConnection implements AutoCloseable {
        final java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final List<java.net.Socket> sockets = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

        StallingFirstConnection(int brokerPort) throws java.io.IOException {
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        java.net.Socket s = server.accept();
                        sockets.add(s);
                        if (accepted.incrementAndGet() == 1) {
                            continue; // read nothing, answer nothing
                        }
                        java.net.Socket b = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), brokerPort);
                        sockets.add(b);
                        pipe(s, b);
                        pipe(b, s);
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            }, "stalling-listener");
            t.setDaemon(true);
            t.start();
        }

        private static void pipe(java.net.Socket from, java.net.Socket to) {
            Thread t = new Thread(() -> {
                try {
                    from.getInputStream().transferTo(to.getOutputStream());
                } catch (java.io.IOException e) {
                    // one side closed
                }
                try {
                    to.close();
                } catch (java.io.IOException e) {
                    // closing
                }
            }, "pipe");
            t.setDaemon(true);
            t.start();
        }

        String address() {
            return "tcp://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
            for (java.net.Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void aConnectTheBrokerNeverAnswersIsGivenUpAfterTimeoutAndTriedAgain() throws Exception {
        try (StallingFirstConnection front = new StallingFirstConnection(broker.port())) {
            MqttClientConfig cfg = config("patient", true, "t");
            cfg.address = front.address();
            cfg.timeout = Duration.ofSeconds(1);
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            HubClient c = new HubClient(cfg, m -> { }).onState(new HubClient.StateListener() {
                @Override
                public void connectFailed(Throwable cause) {
                    failures.add(cause);
                }
            }).start();
            clients.add(c);
            c.connected().get(60, TimeUnit.SECONDS);
            assertThat(front.accepted.get()).isEqualTo(2);
            assertThat(failures).hasSize(1);
            assertThat(c.describeConnectFailure(failures.get(0))).startsWith("no answer to CONNECT within timeout (1000ms)");
        }
    }

    @Test
    void socketsHaveNaglesAlgorithmOff() throws Exception {
        try (java.net.Socket plain = NoDelaySockets.plain().createSocket();
             java.net.Socket tls = NoDelaySockets.tls((javax.net.ssl.SSLSocketFactory) javax.net.ssl.SSLSocketFactory.getDefault())
                     .createSocket()) {
            assertThat(plain.getTcpNoDelay()).isTrue();
            assertThat(tls.getTcpNoDelay()).isTrue();
        }
    }

    @Test
    void reasonsAreSpelledOut() {
        assertThat(HubClient.describe(new MqttException(MqttException.REASON_CODE_FAILED_AUTHENTICATION)))
                .isEqualTo("bad username or password (CONNACK 4)");
        assertThat(HubClient.describe(new MqttException(MqttException.REASON_CODE_NOT_AUTHORIZED)))
                .isEqualTo("not authorized (CONNACK 5)");
        javax.net.ssl.SSLHandshakeException untrusted = new javax.net.ssl.SSLHandshakeException("PKIX path building failed");
        untrusted.initCause(new java.security.cert.CertPathBuilderException("unable to find valid certification path"));
        assertThat(HubClient.describe(new MqttException(untrusted)))
                .startsWith("TLS handshake failed: server certificate not trusted (unknown CA; check the ca file)");
        assertThat(HubClient.describe(new MqttException(new javax.net.ssl.SSLHandshakeException(
                "Received fatal alert: bad_certificate"))))
                .startsWith("TLS handshake failed: server rejected the client certificate");
    }

    @Test
    void theStateListenerSeesConnectsAndLosses() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        HubClient c = new HubClient(config("watched", true, "t"), m -> { }).onState(new HubClient.StateListener() {
            @Override
            public void connected() {
                events.add("connected");
            }

            @Override
            public void connectFailed(Throwable cause) {
                events.add("failed");
            }

            @Override
            public void connectionLost(Throwable cause) {
                events.add("lost");
            }
        }).start();
        clients.add(c);
        c.connected().get(10, TimeUnit.SECONDS);
        broker.stop();
        await().atMost(Duration.ofSeconds(60)).until(() -> events.contains("lost"));
        await().atMost(Duration.ofSeconds(60)).until(() -> events.contains("failed"));
        broker.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> events.stream().filter("connected"::equals).count() == 2);
    }

    @Test
    void badConfigIsRejectedWithTheKey() {
        MqttClientConfig c = new MqttClientConfig();
        assertThatThrownBy(c::validate).hasMessage("hub.address: is required (tcp://, ssl://, ws:// or wss://)");
        c.address = "http://x";
        assertThatThrownBy(c::validate).hasMessageContaining("hub.address: scheme must be tcp, ssl, ws or wss");
        c.address = "tcp://127.0.0.1:1";
        c.subscriptions.add(new MqttClientConfig.Subscription("t", 2));
        assertThatThrownBy(c::validate).hasMessage("hub.subscriptions[0].qos: must be 0 or 1, got 2");
    }
}
