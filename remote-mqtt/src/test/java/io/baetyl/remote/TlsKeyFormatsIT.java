package io.baetyl.remote;

import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.config.ServiceConfigLoader;
import io.baetyl.sdk.testing.FreePorts;
import io.baetyl.sdk.testing.Mosquitto;
import io.baetyl.sdk.testing.TestPki;
import io.baetyl.sdk.testing.TestPki.KeyFormat;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A remote whose client key is in each format openssl writes (PKCS#1, PKCS#8, SEC 1 EC, encrypted PKCS#8), read
 * from a real service.yml and real PEM files, against a real Mosquitto that requires a client certificate.
 */
@Timeout(120)
class TlsKeyFormatsIT {
    @TempDir
    static Path dir;
    static TestPki pki;
    static Mosquitto cloud;
    static int cloudPlainPort;
    static LocalHub hub;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
        TestPki.Leaf server = pki.issue("cloud", KeyFormat.PKCS8);
        cloudPlainPort = FreePorts.next();
        cloud = new Mosquitto(dir.resolve("cloud"), """
                cafile %s
                certfile %s
                keyfile %s
                require_certificate true
                use_identity_as_username true
                allow_anonymous true
                listener %d 127.0.0.1
                """.formatted(pki.ca, server.cert(), server.key(), cloudPlainPort)).start();
        hub = new LocalHub();
    }

    @AfterAll
    static void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    private static Path serviceYml(Path home, TestPki.Leaf client, String up) throws Exception {
        Path file = home.resolve("service.yml");
        Files.createDirectories(home);
        Files.writeString(file, """
                hub:
                  address: '%s'
                  username: u1
                  password: p1
                remotes:
                  - name: cloud
                    address: 'ssl://127.0.0.1:%d'
                    ca: %s
                    cert: %s
                    key: %s
                    passphrase: '%s'
                    interval: 1s
                rules:
                  - hub:
                      subscriptions:
                        - topic: %s
                          qos: 1
                    remote:
                      name: cloud
                """.formatted(hub.url(), cloud.port(), pki.ca, client.cert(), client.key(), client.passphrase(), up));
        return file;
    }

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void aRemoteConnectsWithEveryClientKeyFormat(KeyFormat format) throws Exception {
        TestPki.Leaf client = pki.issue("edge-" + format.name().toLowerCase(), format);
        String up = "up/" + format;
        Path file = serviceYml(dir.resolve("edge-" + format), client, up);
        RemoteMqttConfig cfg = ServiceConfigLoader.load(file, RemoteMqttConfig.class);
        try (RemoteMqtt bridge = new RemoteMqtt(cfg, m -> { }).start();
             Observer atCloud = new Observer("tcp://127.0.0.1:" + cloudPlainPort, "obs-" + format, null, null, false)
                     .subscribe(up, 1);
             Observer atEdge = new Observer(hub.url(), "dev-" + format, "u1", "p1", false)) {
            // Until the bridge has connected and subscribed, publishes go nowhere: repeat until one passes.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                atEdge.publish(up, 1, "{\"id\":1}");
                return atCloud.payloads().contains("{\"id\":1}");
            });
        }
    }

    @Test
    void aCertificateGivenAsTheKeyEndsTheModuleWithOneLineNamingTheRemotesKey() throws Exception {
        TestPki.Leaf client = pki.issue("edge-swapped", KeyFormat.PKCS1);
        TestPki.Leaf swapped = new TestPki.Leaf(client.cert(), client.cert(), KeyFormat.PKCS1);
        Path home = dir.resolve("edge-swapped");
        Path file = serviceYml(home, swapped, "up/swapped");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File out = home.resolve("remote.out").toFile();
        Process p = new ProcessBuilder(java, "-Xmx48m", "-cp", System.getProperty("java.class.path"),
                "io.baetyl.remote.RemoteMqttMain", "-c", file.toString())
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out)).start();
        try {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(out.toPath());
            assertThat(p.exitValue()).as(log).isEqualTo(1);
            assertThat(log).contains("remotes[0].key: " + client.cert() + ": holds BEGIN CERTIFICATE, not a private key")
                    .doesNotContain("\tat ").doesNotContain("hub.key");
        } finally {
            p.destroyForcibly();
        }
    }
}
