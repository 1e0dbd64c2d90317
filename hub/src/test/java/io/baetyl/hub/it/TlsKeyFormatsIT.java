package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.Hub;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import io.baetyl.sdk.testing.FreePorts;
import io.baetyl.sdk.testing.TestPki;
import io.baetyl.sdk.testing.TestPki.KeyFormat;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ssl listener with a server key in each format openssl writes (PKCS#1, PKCS#8, SEC 1 EC, encrypted PKCS#8), set
 * up from a real service.yml, and a real Paho client that trusts only the test CA publishing and receiving over it.
 */
@Timeout(120)
class TlsKeyFormatsIT {
    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
    }

    private static HubConfig load(Path home, int port, TestPki.Leaf server) throws Exception {
        Path file = home.resolve("etc/baetyl/service.yml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                listen:
                  - ssl://127.0.0.1:%d
                certificate:
                  ca: %s
                  cert: %s
                  key: %s
                  passphrase: '%s'
                principals:
                  - username: test
                    password: hahaha
                    permissions:
                      - action: pub
                        permit: ['#']
                      - action: sub
                        permit: ['#']
                """.formatted(port, pki.ca, server.cert(), server.key(), server.passphrase()));
        return ServiceConfigLoader.load(file, HubConfig.class);
    }

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void sslListenerServesWithEveryKeyFormat(KeyFormat format) throws Exception {
        TestPki.Leaf server = pki.issue("hub-" + format.name().toLowerCase(), format);
        int port = FreePorts.next();
        HubConfig cfg = load(dir.resolve("home-" + format), port, server);
        try (Hub hub = new Hub(cfg, null, m -> { }).start();
             TestHub.Client sub = client("ssl://127.0.0.1:" + port, "sub-" + format);
             TestHub.Client pub = client("ssl://127.0.0.1:" + port, "pub-" + format)) {
            sub.connect().subscribe("tls/#", 1);
            pub.connect().publish("tls/" + format, "{\"id\":1}", 1, false);
            await().atMost(Duration.ofSeconds(30)).until(() -> sub.payloads().contains("{\"id\":1}"));
            assertThat(sub.received.get(0).topic()).isEqualTo("tls/" + format);
        }
    }

    /**
     * TLS is set up on the hub's first TLS connection ({@code ListenerTls}); connections that arrive meanwhile wait for
     * it, and all of them are served.
     */
    @Test
    void severalFirstTlsConnectionsAtOnceAreAllServed() throws Exception {
        TestPki.Leaf server = pki.issue("hub-first", KeyFormat.PKCS8);
        int port = FreePorts.next();
        HubConfig cfg = load(dir.resolve("home-first"), port, server);
        int n = 6;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<TestHub.Client> clients = new ArrayList<>();
        try (Hub hub = new Hub(cfg, null, m -> { }).start()) {
            for (int i = 0; i < n; i++) {
                clients.add(client("ssl://127.0.0.1:" + port, "first-" + i));
            }
            List<Future<?>> connects = new ArrayList<>();
            for (TestHub.Client c : clients) {
                connects.add(pool.submit(() -> c.connect().subscribe("first/all", 1)));
            }
            for (Future<?> f : connects) {
                f.get(60, TimeUnit.SECONDS);
            }
            clients.get(0).publish("first/all", "{\"id\":7}", 1, false);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> clients.stream().allMatch(c -> c.payloads().contains("{\"id\":7}")));
        } finally {
            pool.shutdownNow();
            for (TestHub.Client c : clients) {
                c.close();
            }
        }
    }

    @Test
    void aCertificateGivenAsTheKeyStopsTheStartWithOneLineNamingKeyHostFileAndContent() throws Exception {
        TestPki.Leaf server = pki.issue("hub-swapped", KeyFormat.PKCS8);
        TestPki.Leaf swapped = new TestPki.Leaf(server.cert(), server.cert(), KeyFormat.PKCS8);
        int port = FreePorts.next();
        HubConfig cfg = load(dir.resolve("home-swapped"), port, swapped);
        assertThatThrownBy(() -> new Hub(cfg, null, m -> { }).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("certificate.key: " + server.cert() + ": holds BEGIN CERTIFICATE, not a private key");
        // nothing was left listening
        assertThat(accepting(port)).isFalse();
    }

    @Test
    void anEncryptedKeyWithoutItsPassphraseIsRefusedNamingThePassphraseKey() throws Exception {
        TestPki.Leaf server = pki.issue("hub-nopass", KeyFormat.ENCRYPTED_PKCS8);
        TestPki.Leaf noPass = new TestPki.Leaf(server.cert(), server.key(), KeyFormat.PKCS8); // passphrase ''
        HubConfig cfg = load(dir.resolve("home-nopass"), FreePorts.next(), noPass);
        assertThatThrownBy(() -> new Hub(cfg, null, m -> { }).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("certificate.key: " + server.key())
                .hasMessageContaining("holds an encrypted key (BEGIN ENCRYPTED PRIVATE KEY) but certificate.passphrase is not set");
    }

    static boolean accepting(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static TestHub.Client client(String url, String id) throws Exception {
        TestHub.Client c = TestHub.client(url, id, "test", "hahaha", true, 60);
        MqttConnectOptions o = c.options;
        o.setSocketFactory(trustingTestCa().getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(true);
        return c;
    }

    private static SSLContext trustingTestCa() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        try (InputStream in = Files.newInputStream(pki.ca)) {
            ts.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
