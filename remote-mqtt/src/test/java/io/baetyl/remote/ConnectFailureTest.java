package io.baetyl.remote;

import io.baetyl.hub.testing.Certs;
import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.testing.Mosquitto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Remotes that refuse the bridge say why, in words that name the key to fix. */
@Timeout(180)
class ConnectFailureTest {
    /** How long to wait for a state the bridge reaches by itself; generous, for a loaded machine. */
    static final Duration PATIENCE = Duration.ofSeconds(60);
    @TempDir
    static Path pki;
    static Certs cloudCerts;
    static Certs strangerCerts;

    @TempDir
    Path tmp;
    LocalHub hub;
    RemoteMqtt bridge;
    LogCapture logs;

    @BeforeAll
    static void makeCerts() throws Exception {
        cloudCerts = Certs.create(pki.resolve("cloud"), "cloud-ca", "bridge");
        strangerCerts = Certs.create(pki.resolve("stranger"), "stranger-ca", "bridge");
    }

    @BeforeEach
    void start() {
        hub = new LocalHub();
        logs = new LogCapture("io.baetyl");
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        logs.close();
        hub.close();
    }

    private RemoteMqttConfig config(RemoteMqttConfig.Remote remote) {
        RemoteMqttConfig c = new RemoteMqttConfig();
        c.hub.address = hub.url();
        c.hub.username = "u1";
        c.hub.password = "p1";
        remote.name = "cloud";
        remote.interval = Duration.ofSeconds(1);
        remote.timeout = Duration.ofSeconds(5);
        c.remotes.add(remote);
        c.rules.add(BridgeTest.rule("cloud", List.of(BridgeTest.sub("up", 1)), List.of()));
        c.validate();
        return c;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> remoteSide() {
        return (Map<String, Object>) bridge.ruleStats(0).get("remote");
    }

    @Test
    void wrongCredentialsAreReportedAsSuch() throws Exception {
        Path dir = tmp.resolve("auth");
        Files.createDirectories(dir);
        Path passwd = dir.resolve("passwd");
        Certs.run(dir, "mosquitto_passwd", "-b", "-c", passwd.toString(), "edge", "right");
        try (Mosquitto cloud = new Mosquitto(dir, "allow_anonymous false\npassword_file " + passwd + "\n").start()) {
            RemoteMqttConfig.Remote r = new RemoteMqttConfig.Remote();
            r.address = cloud.tcpAddress();
            r.username = "edge";
            r.password = "wrong";
            bridge = new RemoteMqtt(config(r), s -> { }).start();
            await().atMost(PATIENCE).until(() -> logs.contains("ERROR", "rules[0] (remote 'cloud')",
                    "remote 'cloud' refused the connection", "clientid=cloud", "(CONNACK ",
                    "check remotes[0].username and remotes[0].password"));
            assertThat(logs.lines).anyMatch(l -> l.contains("bad username or password (CONNACK 4)")
                    || l.contains("not authorized (CONNACK 5)"));
            assertThat(remoteSide()).containsEntry("connected", false);
            assertThat((String) remoteSide().get("last_error")).contains("CONNACK");
            // Said once, not at every retry.
            await().atMost(PATIENCE).until(() -> ((Number) remoteSide().get("connect_failures")).longValue() >= 3);
            assertThat(logs.lines.stream().filter(l -> l.startsWith("ERROR") && l.contains("refused the connection")))
                    .hasSize(1);
        }
    }

    private Mosquitto tlsCloud(Path dir) throws Exception {
        return new Mosquitto(dir, """
                cafile %s
                certfile %s
                keyfile %s
                require_certificate true
                use_identity_as_username true
                allow_anonymous true
                """.formatted(cloudCerts.ca, cloudCerts.serverCert, cloudCerts.serverKey)).start();
    }

    @Test
    void aServerCertificateFromAnUnknownCaIsReportedAsSuch() throws Exception {
        try (Mosquitto cloud = tlsCloud(tmp.resolve("tls"))) {
            RemoteMqttConfig.Remote r = new RemoteMqttConfig.Remote();
            r.address = "ssl://127.0.0.1:" + cloud.port();
            r.ca = strangerCerts.ca.toString(); // trusts another CA than the one that signed the server
            r.cert = cloudCerts.clientCert.toString();
            r.key = cloudCerts.clientKey.toString();
            bridge = new RemoteMqtt(config(r), s -> { }).start();
            await().atMost(PATIENCE).until(() -> logs.contains("ERROR", "remote 'cloud' refused the connection",
                    "TLS handshake failed: server certificate not trusted (unknown CA; check the ca file)",
                    "(check remotes[0].ca)"));
            assertThat(remoteSide()).containsEntry("connected", false);
        }
    }

    @Test
    void aClientCertificateTheRemoteDoesNotAcceptIsReportedAsSuch() throws Exception {
        try (Mosquitto cloud = tlsCloud(tmp.resolve("tls"))) {
            RemoteMqttConfig.Remote r = new RemoteMqttConfig.Remote();
            r.address = "ssl://127.0.0.1:" + cloud.port();
            r.ca = cloudCerts.ca.toString();
            r.cert = strangerCerts.clientCert.toString(); // signed by a CA the remote does not know
            r.key = strangerCerts.clientKey.toString();
            bridge = new RemoteMqtt(config(r), s -> { }).start();
            await().atMost(PATIENCE).until(() -> logs.contains("ERROR", "remote 'cloud' refused the connection",
                    "TLS handshake failed"));
            assertThat(remoteSide()).containsEntry("connected", false);
        }
    }
}
