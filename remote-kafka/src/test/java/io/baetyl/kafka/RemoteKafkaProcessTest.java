package io.baetyl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** RemoteKafkaMain as the master runs it, with a config it must refuse: exit 1, the key named. */
@Timeout(60)
class RemoteKafkaProcessTest {
    @TempDir
    Path dir;

    @Test
    void aBadConfigExitsOneNamingTheKey() throws Exception {
        Path conf = dir.resolve("service.yml");
        Files.writeString(conf, """
                hub: {address: 'tcp://127.0.0.1:1'}
                kafka: {bootstrap_servers: '127.0.0.1:2'}
                rules: [{hub: {subscriptions: [{topic: t, qos: 1}]}, kafka: {key: '${clientid}'}}]
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                "io.baetyl.kafka.RemoteKafkaMain", "-c", conf.toString())
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.toFile(), "out"))).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("out"))).contains("rules[0].kafka.key: ${clientid} needs rules[0].hub.clientid_level");
    }
}
