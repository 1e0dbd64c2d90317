package io.baetyl.hub.it;

import io.baetyl.hub.Hub;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** Starts a hub on a random 127.0.0.1 port with test principals, and makes Paho clients for it. */
final class TestHub implements AutoCloseable {
    final HubConfig config;
    final Path dir;
    Hub hub;

    TestHub(HubConfig config, Path dir) {
        this.config = config;
        this.dir = dir;
    }

    static HubConfig config() {
        HubConfig c = new HubConfig();
        c.listen = new ArrayList<>(List.of("tcp://127.0.0.1:" + FreePorts.next()));
        c.principals = new ArrayList<>(List.of(
                principal("u1", "p1", List.of("#"), List.of("#")),
                principal("u2", "p2", List.of("allowed/#", "test"), List.of("allowed/#", "test"))));
        c.storage.dir = "data";
        c.shutdown.timeout = java.time.Duration.ofSeconds(10);
        return c;
    }

    static HubConfig.Principal principal(String user, String pass, List<String> pub, List<String> sub) {
        HubConfig.Principal p = new HubConfig.Principal();
        p.username = user;
        p.password = pass;
        HubConfig.Permission pp = new HubConfig.Permission();
        pp.action = "pub";
        pp.permits = pub;
        HubConfig.Permission sp = new HubConfig.Permission();
        sp.action = "sub";
        sp.permits = sub;
        p.permissions = List.of(pp, sp);
        return p;
    }

    static TestHub start(HubConfig c, Path dir) {
        c.validate();
        TestHub t = new TestHub(c, dir);
        t.hub = new Hub(c, dir, m -> { }).start();
        return t;
    }

    TestHub restart() {
        hub.close();
        hub = new Hub(config, dir, m -> { }).start();
        return this;
    }

    int port() {
        return hub.port(0);
    }

    String url() {
        return "tcp://127.0.0.1:" + port();
    }

    Client client(String id, String user, String pass, boolean clean) throws MqttException {
        return client(url(), id, user, pass, clean, 60);
    }

    Client client(String id) throws MqttException {
        return client(id, "u1", "p1", true);
    }

    static Client client(String url, String id, String user, String pass, boolean clean, int keepAlive) throws MqttException {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setUserName(user);
        if (pass != null) {
            o.setPassword(pass.toCharArray());
        }
        o.setKeepAliveInterval(keepAlive);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout(10);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        // Paho completes a publish token before it decrements its in-flight counter, so a synchronous publisher that
        // gets its PUBACKs quickly can see "too many publishes in progress" with the default window of 10
        o.setMaxInflight(1000);
        return new Client(url, id, o);
    }

    @Override
    public void close() {
        if (hub != null) {
            hub.close();
        }
    }

    /** A connected Paho client that records what it receives. */
    static final class Client implements AutoCloseable, MqttCallback {
        final MqttClient paho;
        final MqttConnectOptions options;
        final List<Received> received = new CopyOnWriteArrayList<>();
        volatile Throwable lost;
        boolean sessionPresent;

        record Received(String topic, String payload, int qos, boolean retained, boolean dup) {
        }

        Client(String url, String id, MqttConnectOptions o) throws MqttException {
            paho = new MqttClient(url, id, new MemoryPersistence());
            options = o;
            paho.setCallback(this);
        }

        Client connect() throws MqttException {
            sessionPresent = paho.connectWithResult(options).getSessionPresent();
            return this;
        }

        /**
         * Connects over ws/wss. Paho reads the WebSocket handshake answer with a fixed 1 s socket timeout (its TCP
         * module's SO_TIMEOUT), which a loaded machine can exceed; only that timeout is retried, a few times, so a
         * hub that never answers the upgrade still fails the test.
         */
        Client connectWebSocket() throws MqttException {
            for (int attempt = 1; ; attempt++) {
                try {
                    return connect();
                } catch (MqttException e) {
                    if (attempt >= 5 || !handshakeReadTimedOut(e)) {
                        throw e;
                    }
                }
            }
        }

        private static boolean handshakeReadTimedOut(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.SocketTimeoutException) {
                    return true;
                }
            }
            return false;
        }

        Client subscribe(String filter, int qos) throws MqttException {
            int[] granted = paho.subscribeWithResponse(new String[] {filter}, new int[] {qos}).getGrantedQos();
            if (granted[0] != qos) {
                throw new IllegalStateException("granted " + granted[0]);
            }
            return this;
        }

        void publish(String topic, String payload, int qos, boolean retain) throws MqttException {
            paho.publish(topic, payload.getBytes(), qos, retain);
        }

        List<String> payloads() {
            return received.stream().map(Received::payload).toList();
        }

        @Override
        public void connectionLost(Throwable cause) {
            lost = cause;
        }

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            received.add(new Received(topic, new String(m.getPayload()), m.getQos(), m.isRetained(), m.isDuplicate()));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }

        @Override
        public void close() {
            try {
                if (paho.isConnected()) {
                    paho.disconnect(1000);
                }
            } catch (MqttException ignored) {
                // already gone
            }
            try {
                paho.close(true);
            } catch (MqttException ignored) {
                // already closed
            }
        }
    }

    static Map<String, Object> metrics(TestHub h) {
        return h.hub.broker().metricsSnapshot();
    }
}
