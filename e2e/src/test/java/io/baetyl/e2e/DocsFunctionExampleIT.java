package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed 000, the function tutorial ("利用 Function 函数计算服务进行消息处理"): its application.yml and service.yml files
 * and its function code, copied verbatim (docker image names, {@code tcp://localhub:1883}, the python27 service, no
 * {@code *-bin} volumes) into a native install. Only the hub's port is changed to a free one, the host part of the
 * hub's address is left as written. The docs' message {@code {"id":1}} on {@code t} must come back on every topic
 * the tutorial lists.
 */
@Timeout(180)
class DocsFunctionExampleIT {
    static final String RESOURCES = "/docs-function-example";

    @Test
    void theTutorialsFilesRunUnchangedInNativeMode() throws Exception {
        try (BaetylHome baetyl = BaetylHome.install("docs-function-example")) {
            copyTutorialFiles(baetyl);
            baetyl.replace("var/db/baetyl/localhub-conf/service.yml", "tcp://0.0.0.0:1883",
                    "tcp://127.0.0.1:" + baetyl.mqttPort);
            baetyl.replace("var/db/baetyl/function-manager-conf/service.yml", "tcp://localhub:1883",
                    "tcp://localhub:" + baetyl.mqttPort);

            BaetylHome.Result check = baetyl.run("check");
            assertThat(check.status()).as(check.output()).isZero();
            assertThat(check.output()).contains("OK!");
            baetyl.start();

            Map<String, JsonNode> got = new ConcurrentHashMap<>();
            MqttClient observer = new MqttClient(baetyl.mqttAddress(), "mqttbox", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setUserName("test");
            o.setPassword("hahaha".toCharArray());
            observer.connect(o);
            try {
                observer.subscribe("#", 1, (topic, m) -> got.put(topic, BaetylHome.JSON.readTree(m.getPayload())));
                // The rules' clients connect in the background: the function manager's clients log when subscribed.
                await().atMost(Duration.ofSeconds(60)).until(() -> Stream.of("func-python27-sayhi-1",
                        "func-sql-filter-1", "func-python36-sayhi-1", "func-node85-sayhi-1")
                        .allMatch(c -> baetyl.output().contains("rule subscribed: clientid=" + c + " ")));
                observer.publish("t", "{\"id\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
                List<String> topics = List.of("t/py2hi", "t/py3hi", "t/node8hi", "t/sqlfilter", "t/topic");
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> got.keySet().containsAll(topics));
            } finally {
                observer.disconnect();
                observer.close();
            }
            assertThat(got.get("t/topic").toString()).isEqualTo("{\"id\":1}");
            assertThat(got.get("t/sqlfilter")).isEqualTo(BaetylHome.JSON.readTree("{\"qos\":1,\"topic\":\"t\",\"id\":1}"));
            for (String[] fn : new String[][] {{"t/py2hi", "python27-sayhi"}, {"t/py3hi", "python36-sayhi"},
                    {"t/node8hi", "node85-sayhi"}}) {
                JsonNode r = got.get(fn[0]);
                assertThat(r.get("id").asInt()).as(fn[0]).isEqualTo(1);
                assertThat(r.get("Say").asText()).as(fn[0]).isEqualTo("Hello Baetyl");
                assertThat(r.get("functionName").asText()).as(fn[0]).isEqualTo(fn[1]);
                assertThat(r.get("messageTopic").asText()).as(fn[0]).isEqualTo("t");
            }
            String out = baetyl.output();
            // the python27 service ran on the Python 3 runtime and said once that 2.7 is end-of-life
            assertThat(out.split("Python 2.7 reached its end of life", -1)).hasSize(2);
            // the hub was found by its service name, on this host
            assertThat(out).contains("hub.address: tcp://localhub:" + baetyl.mqttPort
                    + " names the service localhub of this app");
            assertThat(out).doesNotContain("UnknownHostException");
        }
    }

    /** The tutorial's files, byte for byte, over the installed example. */
    private static void copyTutorialFiles(BaetylHome baetyl) throws IOException, URISyntaxException {
        Path root = Path.of(DocsFunctionExampleIT.class.getResource(RESOURCES).toURI());
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path target = baetyl.path(root.relativize(f).toString());
                Files.createDirectories(target.getParent());
                try (InputStream in = Files.newInputStream(f)) {
                    Files.write(target, in.readAllBytes());
                }
            }
        }
    }
}
