package io.baetyl.timer;

import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TimerMain as the master runs it: a child JVM with {@code -c service.yml}, stopped with SIGTERM. */
@Timeout(60)
class TimerProcessIT {
    @TempDir
    Path dir;

    private Process launch(Path conf) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
                "io.baetyl.timer.TimerMain", "-c", conf.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.toFile(), "timer.out")))
                .start();
    }

    @Test
    void publishesQos1AndExitsZeroOnSigterm() throws Exception {
        try (LocalHub hub = new LocalHub()) {
            MqttClient sub = new MqttClient(hub.url(), "watcher", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setUserName("u1");
            o.setPassword("p1".toCharArray());
            sub.connect(o);
            List<String> got = new CopyOnWriteArrayList<>();
            sub.subscribe("t", 1, (topic, m) -> got.add(new String(m.getPayload())));

            Path conf = dir.resolve("service.yml");
            Files.writeString(conf, """
                    hub:
                      address: %s
                      username: u1
                      password: p1
                      clientid: timer-1
                    timer:
                      interval: 200ms
                    publish:
                      topic: t
                      qos: 1
                      payload:
                        id: 1
                    """.formatted(hub.url()));
            Process p = launch(conf);
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> got.size() >= 3);
                assertThat(got.get(0)).startsWith("{\"id\":1,\"time\":");
                p.destroy(); // SIGTERM
                assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(Files.readString(dir.resolve("timer.out"))).isZero();
            } finally {
                p.destroyForcibly();
                sub.disconnect();
                sub.close();
            }
        }
    }

    @Test
    void anInvalidConfigExitsOneNamingTheKey() throws Exception {
        Path conf = dir.resolve("service.yml");
        Files.writeString(conf, "hub: {address: 'tcp://127.0.0.1:1', clientid: t}\npublish: {qos: 3}\n");
        Process p = launch(conf);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("timer.out"))).contains("publish.qos: must be 0 or 1, got 3");
    }
}
