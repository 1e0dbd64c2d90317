package io.baetyl.remote;

import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** RemoteMqttMain as the master runs it: a child JVM with {@code -c service.yml}, stopped with SIGTERM. */
@Timeout(60)
class RemoteMqttProcessIT {
    @TempDir
    Path dir;

    private Process launch(Path conf) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx48m", "-cp", System.getProperty("java.class.path"),
                "io.baetyl.remote.RemoteMqttMain", "-c", conf.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.toFile(), "remote.out")))
                .start();
    }

    @Test
    void bridgesTwoHubsAndExitsZeroOnSigterm() throws Exception {
        try (LocalHub hub = new LocalHub(); LocalHub other = new LocalHub()) {
            Path conf = dir.resolve("service.yml");
            Files.writeString(conf, """
                    hub: {address: '%s', username: u1, password: p1, interval: 1s}
                    remotes:
                      - {name: other, address: '%s', username: u1, password: p1, interval: 1s}
                    rules:
                      - hub: {subscriptions: [{topic: up, qos: 1}]}
                        remote: {name: other, subscriptions: [{topic: down, qos: 1}]}
                    """.formatted(hub.url(), other.url()));
            Process p = launch(conf);
            try (Observer atEdge = new Observer(hub.url(), "edge", "u1", "p1", false).subscribe("down", 1);
                 Observer atOther = new Observer(other.url(), "app", "u1", "p1", false).subscribe("up", 1)) {
                // Until the bridge has subscribed, publishes go nowhere: repeat until one passes each way.
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
                    atEdge.publish("up", 1, "hello other");
                    atOther.publish("down", 1, "hello edge");
                    return !atEdge.received.isEmpty() && !atOther.received.isEmpty();
                });
                assertThat(atOther.payloads()).contains("hello other");
                assertThat(atEdge.payloads()).contains("hello edge");
                p.destroy(); // SIGTERM
                assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(Files.readString(dir.resolve("remote.out"))).isZero();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aRuleNamingAnUnknownRemoteExitsOneNamingTheKey() throws Exception {
        Path conf = dir.resolve("service.yml");
        Files.writeString(conf, """
                hub: {address: 'tcp://127.0.0.1:1'}
                remotes: [{name: cloud, address: 'tcp://127.0.0.1:2'}]
                rules: [{remote: {name: clod}}]
                """);
        Process p = launch(conf);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("remote.out")))
                .contains("rules[0].remote.name: remote 'clod' not found (remotes: cloud)");
    }

    @Test
    void aRefusedSubscriptionWithValidatesubsExitsOne() throws Exception {
        try (LocalHub hub = new LocalHub(); LocalHub other = new LocalHub()) {
            Path conf = dir.resolve("service.yml");
            // u2 may not subscribe to 'secret' on the hub: the hub refuses it (SUBACK 0x80).
            Files.writeString(conf, """
                    hub: {address: '%s', username: u2, password: p2, validatesubs: true}
                    remotes: [{name: other, address: '%s', username: u1, password: p1}]
                    rules: [{hub: {subscriptions: [{topic: secret, qos: 1}]}, remote: {name: other}}]
                    """.formatted(hub.url(), other.url()));
            Process p = launch(conf);
            try {
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isEqualTo(1);
                assertThat(Files.readString(dir.resolve("remote.out"))).contains("subscription to 'secret' refused");
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
