package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The docker example (example/docker) on a real dockerd, with the images of scripts/build-images.sh: the hub in a
 * container answers MQTT on its published port, the function manager starts runtime containers on demand and
 * evicts them when idle, and a SIGTERM to the master removes every container.
 */
@Timeout(300)
class DockerExampleIT {
    private static final Logger log = LoggerFactory.getLogger(DockerExampleIT.class);

    @TempDir
    Path tmp;
    MasterHarness baetyl;
    DockerSupport docker;
    String suffix;

    @BeforeEach
    void setUp() throws Exception {
        docker = DockerSupport.requireDocker();
        baetyl = new MasterHarness(tmp);
        suffix = DockerSupport.uniqueSuffix();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (baetyl != null) {
            baetyl.close();
        }
        if (docker != null) {
            docker.removeContainersOf(baetyl);
            docker.close();
        }
    }

    @Test
    void theExampleAppComesUpAndMessagesFlowThroughHubAndFunctionContainers() throws Exception {
        int port = DockerSupport.installExample(baetyl, suffix);
        String hub = "localhub-" + suffix;
        long t0 = System.nanoTime();
        baetyl.start();
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, "docker-it-" + suffix, new MemoryPersistence());
        MqttConnectOptions opts = new MqttConnectOptions();
        opts.setUserName("test");
        opts.setPassword("hahaha".toCharArray());
        opts.setConnectionTimeout(10);
        // "All services running" = the hub container answers CONNECT on the published port. One attempt at a time:
        // a poll that overlapped a slow connect sent a second CONNECT on the same connection, which the hub drops.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> {
                    synchronized (client) {
                        if (!client.isConnected()) {
                            client.connect(opts);
                        }
                        return true;
                    }
                });
        long readyMs = (System.nanoTime() - t0) / 1_000_000;
        log.info("docker example: baetyl start to hub accepting MQTT took {} ms", readyMs);
        Files.writeString(tmp.resolve("startup-ms"), Long.toString(readyMs));

        InspectContainerResponse hubContainer = docker.inspect(hub).orElseThrow();
        assertThat(hubContainer.getConfig().getImage()).isEqualTo(DockerSupport.REGISTRY + "baetyl-hub");
        assertThat(hubContainer.getHostConfig().getNetworkMode()).isEqualTo("baetyl");
        assertThat(hubContainer.getConfig().getLabels()).containsEntry("baetyl", "baetyl").containsEntry("service", hub);
        Map<String, String> env = DockerSupport.env(hubContainer);
        assertThat(env).containsEntry("BAETYL_MASTER_API_ADDRESS", "unix:///var/run/baetyl.sock")
                .containsEntry("BAETYL_SERVICE_MODE", "docker")
                .containsEntry("BAETYL_SERVICE_NAME", hub)
                .containsKey("BAETYL_SERVICE_TOKEN")
                // The master's own environment is not passed on (the harness sets RECORD_DIR for the master).
                .doesNotContainKey("RECORD_DIR");
        assertThat(docker.running("function-manager-" + suffix)).isTrue();
        assertThat(docker.running("timer-" + suffix)).isTrue();

        Map<String, String> received = new ConcurrentHashMap<>();
        client.subscribe(new String[] {"t/topic", "t/py3hi", "t/node8hi", "t/sqlfilter"}, new int[] {1, 1, 1, 1},
                null);
        client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                received.put(topic, new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        // The function manager's rule clients connect a moment after the hub; publish until every rule answered.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(3)).until(() -> {
            if (!received.keySet().containsAll(List.of("t/topic", "t/py3hi", "t/node8hi", "t/sqlfilter"))) {
                client.publish("t", "{\"id\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
                return false;
            }
            return true;
        });
        assertThat(received.get("t/py3hi")).contains("Hello Baetyl");
        assertThat(received.get("t/node8hi")).contains("Hello Baetyl");

        // The python runtime instance was started on demand as a container on the baetyl network, as a dynamic
        // instance: the address it listens on in its env, and no service token.
        String py = "function-python3-sayhi-" + suffix + ".python3-sayhi.";
        String pyContainer = docker.idsByName(baetyl).keySet().stream().filter(n -> n.startsWith(py)).findFirst().orElseThrow();
        Map<String, String> pyEnv = DockerSupport.env(docker.inspect(pyContainer).orElseThrow());
        assertThat(pyEnv).containsEntry("BAETYL_SERVICE_INSTANCE_ADDRESS", "0.0.0.0:50051").doesNotContainKey("BAETYL_SERVICE_TOKEN");
        // ... and evicted when idle (idletime 3s in the test's function-manager config).
        await().atMost(MasterHarness.PATIENCE).pollInterval(Duration.ofMillis(500))
                .until(() -> docker.idsByName(baetyl).keySet().stream().noneMatch(n -> n.startsWith(py)));
        client.disconnect();
        client.close();

        assertThat(baetyl.stop()).isZero();
        assertThat(docker.containersOf(baetyl)).as("containers left after SIGTERM").isEmpty();
        assertThat(baetyl.output()).contains("stream=stderr").contains("instance=" + hub);
    }
}
