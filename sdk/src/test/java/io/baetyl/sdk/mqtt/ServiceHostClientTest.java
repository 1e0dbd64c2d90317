package io.baetyl.sdk.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.net.ServiceHosts;
import io.baetyl.sdk.testing.FreePorts;
import io.baetyl.sdk.testing.Mosquitto;
import io.baetyl.sdk.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docs' {@code tcp://localhub:1883} in native mode: the hub client reaches the service named in the address on
 * this host, with the TLS certificate checked against that name, against a real Mosquitto.
 */
@Timeout(90)
class ServiceHostClientTest {
    static final ServiceHosts APP = ServiceHosts.of(List.of("localhub", "function-manager"));

    @TempDir
    Path dir;

    private static MqttClientConfig config(String address, String id) {
        MqttClientConfig c = new MqttClientConfig();
        c.address = address;
        c.clientid = id;
        c.interval = Duration.ofSeconds(1);
        c.timeout = Duration.ofSeconds(5);
        c.subscriptions.add(new MqttClientConfig.Subscription("t", 1));
        return c;
    }

    @Test
    void aServiceNameInTheAddressReachesThatServiceOnThisHost() throws Exception {
        try (Mosquitto broker = new Mosquitto(dir.resolve("plain"), null).start()) {
            List<String> got = new CopyOnWriteArrayList<>();
            MqttClientConfig cfg = config("tcp://localhub:" + broker.port(), "fm");
            try (HubClient c = new HubClient(cfg, "hub", m -> got.add(new String(m.payload(), StandardCharsets.UTF_8)), APP).start()) {
                c.connected().get(20, TimeUnit.SECONDS);
                c.publish("t", 1, "{\"id\":1}".getBytes(StandardCharsets.UTF_8), false).get(10, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(60)).until(() -> got.contains("{\"id\":1}"));
            }
        }
    }

    @Test
    void overTlsTheCertificateMustBeIssuedForTheServiceName() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        TestPki.Leaf forLocalhub = pki.issue("hub-right", TestPki.KeyFormat.PKCS8, "localhub");
        TestPki.Leaf forOther = pki.issue("hub-wrong", TestPki.KeyFormat.PKCS8, "otherhub");
        for (TestPki.Leaf server : List.of(forLocalhub, forOther)) {
            String conf = "cafile " + pki.ca + "\ncertfile " + server.cert() + "\nkeyfile " + server.key()
                    + "\nallow_anonymous true\n";
            try (Mosquitto broker = new Mosquitto(dir.resolve(server.cert().getFileName().toString()), conf).start()) {
                MqttClientConfig cfg = config("ssl://localhub:" + broker.port(), "tls-" + server.cert().getFileName());
                cfg.ca = pki.ca.toString();
                AtomicReference<String> failure = new AtomicReference<>();
                HubClient c = new HubClient(cfg, "hub", m -> { }, APP);
                c.onState(new HubClient.StateListener() {
                    @Override
                    public void connectFailed(Throwable cause) {
                        failure.compareAndSet(null, c.describeConnectFailure(cause));
                    }
                });
                try (c) {
                    c.start();
                    if (server == forLocalhub) {
                        c.connected().get(20, TimeUnit.SECONDS);
                    } else {
                        await().atMost(Duration.ofSeconds(20)).until(() -> failure.get() != null);
                        assertThat(failure.get()).isEqualTo("TLS handshake failed: the server certificate is not issued "
                                + "for 'localhub' (the service named in hub.address; set insecure only for tests)");
                        assertThat(c.isConnected()).isFalse();
                    }
                }
            }
        }
    }

    @Test
    void aNameThatIsNoServiceAndUnknownToDnsSaysSo() throws Exception {
        MqttClientConfig cfg = config("tcp://no-such-service.invalid:" + FreePorts.next(), "lost");
        AtomicReference<String> failure = new AtomicReference<>();
        HubClient c = new HubClient(cfg, "hub", null, APP);
        c.onState(new HubClient.StateListener() {
            @Override
            public void connectFailed(Throwable cause) {
                failure.compareAndSet(null, c.describeConnectFailure(cause));
            }
        });
        try (c) {
            c.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> failure.get() != null);
        }
        assertThat(failure.get()).isEqualTo("cannot resolve host 'no-such-service.invalid': unknown to DNS and not a "
                + "service of this app run by a native-mode master (check hub.address)");
    }
}
