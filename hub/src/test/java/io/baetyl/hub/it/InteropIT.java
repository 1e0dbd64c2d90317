package io.baetyl.hub.it;

import io.baetyl.hub.testing.Certs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/** mosquitto_pub/mosquitto_sub over tcp and ssl (password and certificate logins), and Paho over ws and wss. */
@Timeout(60)
@EnabledIf("io.baetyl.hub.it.ClientProcesses#mosquittoClientsInstalled")
class InteropIT {
    @TempDir
    static Path dir;
    static Certs certs;
    static TestHub hub;
    static int tcp;
    static int ssl;
    static int ws;
    static int wss;

    @BeforeAll
    static void start() throws Exception {
        certs = Certs.create(dir.resolve("certs"));
        HubConfig c = TestHub.config();
        tcp = FreePorts.next();
        ssl = FreePorts.next();
        ws = FreePorts.next();
        wss = FreePorts.next();
        c.listen = List.of("tcp://127.0.0.1:" + tcp, "ssl://127.0.0.1:" + ssl, "ws://127.0.0.1:" + ws + "/mqtt",
                "wss://127.0.0.1:" + wss + "/mqtt");
        c.certificate.ca = certs.ca.toString();
        c.certificate.cert = certs.serverCert.toString();
        c.certificate.key = certs.serverKey.toString();
        List<HubConfig.Principal> ps = new ArrayList<>(c.principals);
        ps.add(TestHub.principal("cert-user", null, List.of("#"), List.of("#")));
        c.principals = ps;
        hub = TestHub.start(c, dir.resolve("hub"));
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    private static List<String> common(int port, boolean tls) {
        List<String> a = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", Integer.toString(port)));
        if (tls) {
            a.addAll(List.of("--cafile", certs.ca.toString()));
        }
        return a;
    }

    private static int mosquittoPub(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mosquitto_pub"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private void subPubRoundTrip(int port, boolean tls) throws Exception {
        String topic = "interop/" + port;
        List<String> sub = new ArrayList<>(List.of("mosquitto_sub"));
        sub.addAll(common(port, tls));
        sub.addAll(List.of("-u", "u1", "-P", "p1", "-q", "1", "-t", topic, "-v", "-C", "2", "-i", "msub" + port));
        List<String> lines = new CopyOnWriteArrayList<>();
        Process p = ClientProcesses.start(sub, lines);
        try {
            // retained first, so it arrives whenever the subscription lands
            List<String> pub = new ArrayList<>(common(port, tls));
            pub.addAll(List.of("-u", "u1", "-P", "p1", "-q", "1", "-r", "-t", topic, "-m", "first"));
            assertThat(mosquittoPub(pub)).isZero();
            await().untilAsserted(() -> assertThat(lines).contains(topic + " first"));
            pub = new ArrayList<>(common(port, tls));
            pub.addAll(List.of("-u", "u1", "-P", "p1", "-q", "1", "-t", topic, "-m", "second"));
            assertThat(mosquittoPub(pub)).isZero();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            await().untilAsserted(() -> assertThat(lines).containsExactly(topic + " first", topic + " second"));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void mosquittoClientsOverTcp() throws Exception {
        subPubRoundTrip(tcp, false);
    }

    @Test
    void mosquittoClientsOverSsl() throws Exception {
        subPubRoundTrip(ssl, true);
    }

    @Test
    void certificateLoginWithoutPasswordOverSsl() throws Exception {
        try (var watcher = hub.client("watcher").connect().subscribe("cert/#", 1)) {
            List<String> pub = new ArrayList<>(common(ssl, true));
            pub.addAll(List.of("--cert", certs.clientCert.toString(), "--key", certs.clientKey.toString(),
                    "-u", "cert-user", "-q", "1", "-t", "cert/x", "-m", "by certificate"));
            assertThat(mosquittoPub(pub)).isZero();
            await().untilAsserted(() -> assertThat(watcher.payloads()).containsExactly("by certificate"));
            // no certificate and no password: refused
            pub = new ArrayList<>(common(ssl, true));
            pub.addAll(List.of("-u", "cert-user", "-q", "1", "-t", "cert/x", "-m", "no cert"));
            assertThat(mosquittoPub(pub)).isNotZero();
            // a certificate does not log in as a password principal
            pub = new ArrayList<>(common(ssl, true));
            pub.addAll(List.of("--cert", certs.clientCert.toString(), "--key", certs.clientKey.toString(),
                    "-u", "u1", "-q", "1", "-t", "cert/x", "-m", "wrong principal"));
            assertThat(mosquittoPub(pub)).isNotZero();
            // and certificates mean nothing over plain tcp
            pub = new ArrayList<>(common(tcp, false));
            pub.addAll(List.of("-u", "cert-user", "-q", "1", "-t", "cert/x", "-m", "tcp"));
            assertThat(mosquittoPub(pub)).isNotZero();
            Thread.sleep(200); // nothing more may arrive; a short quiet period is the only way to observe absence
            assertThat(watcher.payloads()).containsExactly("by certificate");
        }
    }

    @Test
    void pahoOverWebSocketAndSecureWebSocket() throws Exception {
        try (var sub = TestHub.client("ws://127.0.0.1:" + ws + "/mqtt", "wsSub", "u1", "p1", true, 60).connectWebSocket().subscribe("ws/#", 1)) {
            var wssClient = TestHub.client("wss://127.0.0.1:" + wss + "/mqtt", "wssPub", "u1", "p1", true, 60);
            wssClient.options.setSocketFactory(certs.clientContext().getSocketFactory());
            try (var pub = wssClient.connectWebSocket()) {
                pub.publish("ws/a", "over wss", 1, false);
                pub.publish("ws/b", "x".repeat(20000), 0, false);
            }
            try (var tcpPub = hub.client("tcpPub").connect()) {
                tcpPub.publish("ws/c", "from tcp", 0, false);
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(sub.payloads()).containsExactly("over wss", "x".repeat(20000), "from tcp"));
        }
    }
}
