package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Path;
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

/**
 * mosquitto_pub/mosquitto_sub speaking MQTT 5 ({@code -V mqttv5}) to the hub, side by side with a 3.1.1 client on the
 * same topic: QoS 2 both ways, user properties in the CONNECT, a refused login with its reason code.
 */
@Timeout(60)
@EnabledIf("io.baetyl.hub.it.ClientProcesses#mosquittoClientsInstalled")
class Mqtt5InteropIT {
    @TempDir
    static Path dir;
    static TestHub hub;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        HubConfig c = TestHub.config();
        port = FreePorts.next();
        c.listen = List.of("tcp://127.0.0.1:" + port);
        hub = TestHub.start(c, dir.resolve("hub"));
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    private static List<String> client(String tool, String version, String id) {
        return new ArrayList<>(List.of(tool, "-h", "127.0.0.1", "-p", Integer.toString(port), "-V", version, "-i", id));
    }

    @Test
    void mqtt5AndMqtt311ClientsShareATopicAtQos2() throws Exception {
        String topic = "v5/shared";
        List<String> v5lines = new CopyOnWriteArrayList<>();
        List<String> v3lines = new CopyOnWriteArrayList<>();
        List<String> sub5 = client("mosquitto_sub", "mqttv5", "sub5");
        sub5.addAll(List.of("-u", "u1", "-P", "p1", "-q", "2", "-t", topic, "-v"));
        List<String> sub3 = client("mosquitto_sub", "mqttv311", "sub3");
        sub3.addAll(List.of("-u", "u1", "-P", "p1", "-q", "2", "-t", topic, "-v"));
        Process p5 = ClientProcesses.start(sub5, v5lines);
        Process p3 = ClientProcesses.start(sub3, v3lines);
        try {
            // wait for both subscriptions by a probe until each has seen it
            await().untilAsserted(() -> {
                List<String> pub = client("mosquitto_pub", "mqttv5", "probe");
                pub.addAll(List.of("-u", "u1", "-P", "p1", "-q", "2", "-t", topic, "-m", "probe",
                        "-D", "connect", "user-property", "origin", "test"));
                assertThat(ClientProcesses.start(pub, new ArrayList<>()).waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(v5lines).contains(topic + " probe");
                assertThat(v3lines).contains(topic + " probe");
            });
            List<String> pub3 = client("mosquitto_pub", "mqttv311", "pub3");
            pub3.addAll(List.of("-u", "u1", "-P", "p1", "-q", "2", "-t", topic, "-m", "from-311"));
            Process pp = ClientProcesses.start(pub3, new ArrayList<>());
            assertThat(pp.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(pp.exitValue()).isZero();
            await().untilAsserted(() -> {
                assertThat(v5lines).contains(topic + " from-311");
                assertThat(v3lines).contains(topic + " from-311");
            });
            assertThat(v5lines).containsOnlyOnce(topic + " from-311");
        } finally {
            p5.destroyForcibly();
            p3.destroyForcibly();
        }
    }

    @Test
    void badPasswordIsRefusedWithTheMqtt5ReasonCode() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        List<String> pub = client("mosquitto_pub", "mqttv5", "bad");
        pub.addAll(List.of("-u", "u1", "-P", "wrong", "-t", "v5/x", "-m", "x"));
        Process p = ClientProcesses.start(pub, lines);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        await().untilAsserted(() -> assertThat(String.join("\n", lines)).containsIgnoringCase("bad user name or password"));
    }
}
