package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.baetyl.sdk.api.HttpMasterClient;
import io.baetyl.sdk.testing.FreePorts;
import io.baetyl.sdk.tls.TlsFiles;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.assertj.core.data.Offset;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The function tutorials end to end: the installed native example (hub, function manager, Python/Node/SQL runtimes
 * started on demand by the real master) plus test functions for the error paths, scaling and idle eviction, and the
 * gRPC server mode. One master for the whole class; the tests run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(90)
class FunctionsIT {
    private static final Logger log = LoggerFactory.getLogger(FunctionsIT.class);
    static final String TEST_SERVICE = "function-python3-test";

    private BaetylHome baetyl;
    private MqttClient client;
    private final int grpcPort = FreePorts.next();
    private final Map<String, BlockingQueue<MqttMessage>> received = new LinkedHashMap<>();

    @BeforeAll
    void startBaetyl() throws Exception {
        baetyl = BaetylHome.install("functions");
        addTestFunctions();
        baetyl.start();
        client = new MqttClient(baetyl.mqttAddress(), "e2e-observer", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("test");
        o.setPassword("hahaha".toCharArray());
        o.setCleanSession(true);
        client.connect(o);
        client.subscribe("#", 1, (topic, m) -> queue(topic).add(m));
        // The function manager's rule clients connect in the background (the hub may start after it): wait until
        // every rule has subscribed, or the first message would reach nobody.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String out = baetyl.output();
            return List.of("func-sql-filter-1", "func-python3-sayhi-1", "func-node8-sayhi-1", "e2e-slow", "e2e-crash",
                    "e2e-none", "e2e-small", "e2e-broken").stream().allMatch(c -> out.contains("rule subscribed: clientid=" + c + " "));
        });
    }

    /** Adds the test functions to the example's configs, as a user would edit them. */
    @SuppressWarnings("unchecked")
    private void addTestFunctions() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/function-test-code/test.py")) {
            baetyl.write("var/db/baetyl/function-test-code/test.py", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        baetyl.write("var/db/baetyl/function-test-conf/service.yml", """
                functions:
                  - {name: py-slow, handler: test.slow, codedir: var/db/baetyl/function-test}
                  - {name: py-crash, handler: test.crash, codedir: var/db/baetyl/function-test}
                  - {name: py-none, handler: test.nothing, codedir: var/db/baetyl/function-test}
                  - {name: py-small, handler: test.slow, codedir: var/db/baetyl/function-test}
                """);
        baetyl.write("var/db/baetyl/function-broken-conf/service.yml", """
                functions:
                  - {name: py-broken, handler: index.handler, codedir: var/db/baetyl/function-missing}
                """);
        Map<String, Object> app = baetyl.readYaml("var/db/baetyl/application.yml");
        List<Object> services = (List<Object>) app.get("services");
        List<Object> volumes = (List<Object>) app.get("volumes");
        services.add(BaetylHome.YAML.readValue("""
                name: function-python3-test
                image: baetyl-function-python3
                replica: 0
                mounts:
                  - {name: function-test-conf, path: etc/baetyl, readonly: true}
                  - {name: function-test-code, path: var/db/baetyl/function-test, readonly: true}
                """, Map.class));
        services.add(BaetylHome.YAML.readValue("""
                name: function-python3-broken
                image: baetyl-function-python3
                replica: 0
                mounts:
                  - {name: function-broken-conf, path: etc/baetyl, readonly: true}
                """, Map.class));
        volumes.add(Map.of("name", "function-test-conf", "path", "var/db/baetyl/function-test-conf"));
        volumes.add(Map.of("name", "function-test-code", "path", "var/db/baetyl/function-test-code"));
        volumes.add(Map.of("name", "function-broken-conf", "path", "var/db/baetyl/function-broken-conf"));
        baetyl.writeYaml("var/db/baetyl/application.yml", app);

        Map<String, Object> fm = baetyl.readYaml("var/db/baetyl/function-manager-conf/service.yml");
        fm.put("server", Map.of("address", "127.0.0.1:" + grpcPort));
        ((List<Object>) fm.get("rules")).addAll(BaetylHome.YAML.readValue("""
                - clientid: e2e-slow
                  subscribe: {topic: test/slow, qos: 1}
                  function: {name: py-slow}
                  publish: {topic: test/slow/out, qos: 1}
                  retry: {max: 1}
                - clientid: e2e-crash
                  subscribe: {topic: test/crash, qos: 1}
                  function: {name: py-crash}
                  publish: {topic: test/crash/out, qos: 1}
                  retry: {max: 1}
                - clientid: e2e-none
                  subscribe: {topic: test/none, qos: 1}
                  function: {name: py-none}
                  publish: {topic: test/none/out, qos: 1}
                - clientid: e2e-small
                  subscribe: {topic: test/small, qos: 1}
                  function: {name: py-small}
                  publish: {topic: test/small/out, qos: 1}
                - clientid: e2e-broken
                  subscribe: {topic: test/broken, qos: 1}
                  function: {name: py-broken}
                  publish: {topic: test/broken/out, qos: 1}
                  retry: {max: 1}
                """, List.class));
        ((List<Object>) fm.get("functions")).addAll(BaetylHome.YAML.readValue("""
                - name: py-slow
                  service: function-python3-test
                  instance: {min: 0, max: 3, idletime: 3s, evicttime: 500ms}
                  timeout: 6s
                - name: py-crash
                  service: function-python3-test
                  timeout: 5s
                - name: py-none
                  service: function-python3-test
                - name: py-small
                  service: function-python3-test
                  message: {length: {max: 1k}}
                - name: py-broken
                  service: function-python3-broken
                  timeout: 3s
                """, List.class));
        baetyl.writeYaml("var/db/baetyl/function-manager-conf/service.yml", fm);
    }

    @AfterAll
    void stopBaetyl() throws Exception {
        if (client != null) {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        }
        if (baetyl != null) {
            baetyl.close();
        }
    }

    private synchronized BlockingQueue<MqttMessage> queue(String topic) {
        return received.computeIfAbsent(topic, t -> new LinkedBlockingQueue<>());
    }

    private void publish(String topic, String payload, int qos) throws Exception {
        client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    private MqttMessage next(String topic, Duration within) throws InterruptedException {
        MqttMessage m = queue(topic).poll(within.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(m).as("message on " + topic + " within " + within).isNotNull();
        return m;
    }

    private static JsonNode json(MqttMessage m) throws Exception {
        return BaetylHome.JSON.readTree(m.getPayload());
    }

    private static String text(MqttMessage m) {
        return new String(m.getPayload(), StandardCharsets.UTF_8);
    }

    private void clearQueues() {
        synchronized (this) {
            received.values().forEach(BlockingQueue::clear);
        }
    }

    @Test
    void exampleTimerPublishesPayloadWithTime() throws Exception {
        JsonNode tick = json(next("e2e/timer", Duration.ofSeconds(10)));
        assertThat(tick.get("id").asInt()).isEqualTo(1);
        assertThat(tick.get("time").asLong()).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(30L));
    }

    @Test
    @Order(1)
    void docsExampleIdOneYieldsFourOutputsFromColdStart() throws Exception {
        assertThat(baetyl.instances("function-python3-sayhi")).isEmpty(); // replica 0: nothing until a message
        long t0 = System.nanoTime();
        publish("t", "{\"id\":1}", 0);
        JsonNode py = json(next("t/py3hi", Duration.ofSeconds(20)));
        long coldMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        log.info("cold start, first answer from python3-sayhi: ms={}", coldMs);
        JsonNode node = json(next("t/node8hi", Duration.ofSeconds(10)));
        JsonNode sql = json(next("t/sqlfilter", Duration.ofSeconds(10)));
        assertThat(text(next("t/topic", Duration.ofSeconds(5)))).isEqualTo("{\"id\":1}");
        assertThat(text(next("t", Duration.ofSeconds(5)))).isEqualTo("{\"id\":1}");

        for (JsonNode out : List.of(py, node)) {
            assertThat(out.get("id").asInt()).isEqualTo(1);
            assertThat(out.get("messageQOS").asInt()).isZero();
            assertThat(out.get("messageTopic").asText()).isEqualTo("t");
            assertThat(out.get("Say").asText()).isEqualTo("Hello Baetyl");
            assertThat(out.get("functionInvokeID").asText()).matches("[0-9a-f-]{36}");
            assertThat(out.get("messageTimestamp").asLong()).isCloseTo(System.currentTimeMillis() / 1000, Offset.offset(30L));
        }
        assertThat(py.get("functionName").asText()).isEqualTo("python3-sayhi");
        assertThat(node.get("functionName").asText()).isEqualTo("node8-sayhi");
        assertThat(sql).isEqualTo(BaetylHome.JSON.readTree("{\"qos\":0,\"topic\":\"t\",\"id\":1}"));
        assertThat(baetyl.instances("function-python3-sayhi")).containsOnlyKeys("function-python3-sayhi.python3-sayhi.1");
        assertThat(baetyl.instances("function-node8-sayhi")).containsOnlyKeys("function-node8-sayhi.node8-sayhi.1");
        assertThat(baetyl.instances("function-sql-filter")).containsOnlyKeys("function-sql-filter.sql-filter.1");
        // Generous bound for a loaded 2-core CI box running three cold runtimes at once; bench/ measures it alone.
        assertThat(coldMs).isLessThan(10_000);
    }

    @Test
    @Order(2)
    void qos1EndToEndSqlRuleKeepsQos1PythonRuleOutputsMinQos() throws Exception {
        clearQueues();
        publish("t", "{\"id\":2}", 1);
        MqttMessage sql = next("t/sqlfilter", Duration.ofSeconds(10));
        assertThat(sql.getQos()).as("QoS of %s", text(sql)).isEqualTo(1);
        assertThat(json(sql).get("qos").asInt()).isEqualTo(1);
        MqttMessage py = next("t/py3hi", Duration.ofSeconds(10));
        // The docs' python rule subscribes with the default QoS 0, so its input arrives as QoS 0.
        assertThat(py.getQos()).isZero();
        assertThat(json(py).get("messageQOS").asInt()).isZero();
        // Take the Node answer too: arriving after the next test's clearQueues, it was once taken for that test's own
        // (CI under load, 2026-12-03).
        assertThat(json(next("t/node8hi", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(2);
    }

    @Test
    @Order(3)
    void sqlWhereFalsePublishesNothingNonJsonGoesAsBytes() throws Exception {
        clearQueues();
        publish("t", "{\"id\":20}", 1);
        assertThat(json(next("t/py3hi", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(20);
        assertThat(json(next("t/node8hi", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(20);
        assertThat(queue("t/sqlfilter").poll(1500, TimeUnit.MILLISECONDS)).isNull();

        publish("t", "hello baetyl", 0);
        JsonNode py = json(next("t/py3hi", Duration.ofSeconds(10)));
        assertThat(py.get("bytes").asText()).isEqualTo("hello baetyl");
        assertThat(json(next("t/node8hi", Duration.ofSeconds(10))).get("bytes").asText()).isEqualTo("hello baetyl");
        // The SQL function only takes JSON objects: its rule publishes the error JSON instead.
        JsonNode sql = json(next("t/sqlfilter", Duration.ofSeconds(10)));
        assertThat(sql.get("errorMessage").asText()).contains("[UserCodeInvoke]").contains("payload is not valid JSON");
        assertThat(sql.get("functionMessage").get("FunctionName").asText()).isEqualTo("sql-filter");
        publish("t", "{\"id\":4}", 0);
        assertThat(json(next("t/sqlfilter", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(4);
        // Take the other two answers to id 4 too, so that none of them reaches the next test's queues.
        assertThat(json(next("t/py3hi", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(4);
        assertThat(json(next("t/node8hi", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(4);
    }

    @Test
    void payloadOverFunctionLimitErrorJsonWithoutRetryThenSmallerOnesServed() throws Exception {
        clearQueues();
        publish("test/small", "{\"pad\":\"" + "x".repeat(2000) + "\"}", 1);
        JsonNode err = json(next("test/small/out", Duration.ofSeconds(10)));
        assertThat(err.get("errorMessage").asText()).contains("grpc: trying to send message larger than max");
        assertThat(baetyl.output()).doesNotContain("function call failed, retrying: rule=e2e-small");
        publish("test/small", "{\"sleep\":0}", 1);
        assertThat(json(next("test/small/out", Duration.ofSeconds(10))).get("functionName").asText()).isEqualTo("py-small");
    }

    @Test
    @Order(4)
    void handlerRaisesErrorJsonAfterRetriesThenPoolStillServes() throws Exception {
        clearQueues();
        publish("t", "{\"err\":1}", 0);
        JsonNode py = json(next("t/py3hi", Duration.ofSeconds(15)));
        assertThat(py.get("errorType").asText()).isEqualTo("*status.statusError");
        assertThat(py.get("errorMessage").asText())
                .startsWith("rpc error: code = Unknown desc = Exception calling application:")
                .contains("[UserCodeInvoke]").contains("TypeError");
        JsonNode fm = py.get("functionMessage");
        assertThat(new String(Base64.getDecoder().decode(fm.get("Payload").asText()), StandardCharsets.UTF_8))
                .isEqualTo("{\"err\":1}");
        assertThat(fm.get("Topic").asText()).isEqualTo("t");
        assertThat(fm.get("FunctionName").asText()).isEqualTo("python3-sayhi");
        assertThat(fm.has("QOS")).isFalse(); // QoS 0: omitted, as Go's encoding/json does
        JsonNode node = json(next("t/node8hi", Duration.ofSeconds(15)));
        assertThat(node.get("errorMessage").asText()).contains("[UserCodeInvoke]").contains("TypeError");
        // {"err":1} passes the SQL filter (id is absent, so the WHERE is not true): nothing on t/sqlfilter.
        publish("t", "{\"id\":3}", 0);
        assertThat(json(next("t/py3hi", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(3);
        assertThat(json(next("t/node8hi", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(3);
        assertThat(json(next("t/sqlfilter", Duration.ofSeconds(10))).get("id").asInt()).isEqualTo(3);
        // A raising handler does not cost the instance.
        assertThat(baetyl.instances("function-python3-sayhi")).containsOnlyKeys("function-python3-sayhi.python3-sayhi.1");
    }

    @Test
    @Order(5)
    void scalingMaxConcurrentCallersGetMaxInstancesThenIdleEvictionThenNumbersRecycled() throws Exception {
        clearQueues();
        long t0 = System.nanoTime();
        for (int i = 0; i < 6; i++) {
            publish("test/slow", "{\"sleep\":1200,\"n\":" + i + "}", 1);
        }
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            pids.add(json(next("test/slow/out", Duration.ofSeconds(20))).get("pid").asLong());
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        log.info("6 calls of 1.2s with max=3: ms={} instances={}", ms, pids.size());
        assertThat(pids).hasSize(3); // max=3, never more
        assertThat(baetyl.instances(TEST_SERVICE).keySet()).containsExactlyInAnyOrder(
                TEST_SERVICE + ".py-slow.1", TEST_SERVICE + ".py-slow.2", TEST_SERVICE + ".py-slow.3");

        // idletime 3s, evicttime 500ms: all three go away (min 0).
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> baetyl.instances(TEST_SERVICE).isEmpty());
        for (long pid : pids) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                    .orElse(false));
        }
        publish("test/slow", "{\"sleep\":0}", 1);
        JsonNode again = json(next("test/slow/out", Duration.ofSeconds(20)));
        assertThat(pids).doesNotContain(again.get("pid").asLong());
        assertThat(baetyl.instances(TEST_SERVICE)).containsOnlyKeys(TEST_SERVICE + ".py-slow.1");
    }

    @Test
    @Order(6)
    void handlerHangsPastTimeoutDeadlineErrorJsonThenNextMessageServed() throws Exception {
        clearQueues();
        long t0 = System.nanoTime();
        publish("test/slow", "{\"sleep\":30000}", 1);
        JsonNode err = json(next("test/slow/out", Duration.ofSeconds(28)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(err.get("errorMessage").asText())
                .isEqualTo("rpc error: code = DeadlineExceeded desc = context deadline exceeded");
        // timeout 6s, retry.max 1: not before the first deadline, and well before the handler's 30 s sleep ends
        // (the timeout also bounds an instance's start until it listens: 2 s was too little for a Python runtime
        // started after a function manager restart at load 15)
        assertThat(ms).isBetween(5_500L, 28_000L);
        publish("test/slow", "{\"sleep\":10}", 1);
        assertThat(json(next("test/slow/out", Duration.ofSeconds(20))).get("sleep").asInt()).isEqualTo(10);
    }

    @Test
    @Order(7)
    void runtimeCrashesMidCallErrorJsonPoolRecovers() throws Exception {
        clearQueues();
        publish("test/crash", "{\"crash\":false}", 1);
        long firstPid = json(next("test/crash/out", Duration.ofSeconds(20))).get("pid").asLong();
        publish("test/crash", "{\"crash\":true}", 1);
        JsonNode err = json(next("test/crash/out", Duration.ofSeconds(20)));
        assertThat(err.get("errorMessage").asText()).startsWith("rpc error: code = Unavailable");
        publish("test/crash", "{\"crash\":false}", 1);
        JsonNode ok = json(next("test/crash/out", Duration.ofSeconds(20)));
        assertThat(ok.get("ok").asBoolean()).isTrue();
        assertThat(ok.get("pid").asLong()).isNotEqualTo(firstPid);
    }

    @Test
    @Order(8)
    void functionReturnsNothingNothingPublishedLaterMessagesServed() throws Exception {
        clearQueues();
        publish("test/none", "{\"a\":1}", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> baetyl.instances(TEST_SERVICE)
                .containsKey(TEST_SERVICE + ".py-none.1"));
        assertThat(queue("test/none/out").poll(2, TimeUnit.SECONDS)).isNull();
    }

    @Test
    @Order(9)
    void missingCodedirClearErrorInLogAndErrorJson() throws Exception {
        clearQueues();
        publish("test/broken", "{\"id\":1}", 1);
        JsonNode err = json(next("test/broken/out", Duration.ofSeconds(20)));
        assertThat(err.get("errorMessage").asText())
                .startsWith("failed to start instance (function-python3-broken.py-broken.1)")
                .contains("within 3000ms");
        assertThat(err.get("errorType").asText()).isEqualTo("*errors.errorString");
        assertThat(baetyl.output()).contains("function (py-broken): codedir (var/db/baetyl/function-missing) not found");
        await().atMost(Duration.ofSeconds(60)).until(() -> baetyl.instances("function-python3-broken").isEmpty());
    }

    @Test
    @Order(10)
    void grpcServerModeCallsByFunctionNameLikeVideoInfer() throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            FunctionGrpc.FunctionBlockingStub stub = FunctionGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
            FunctionMessage out = stub.call(FunctionMessage.newBuilder().setFunctionName("python3-sayhi")
                    .setTopic("video").setQOS(0).setTimestamp(System.nanoTime())
                    .setPayload(ByteString.copyFromUtf8("{\"id\":7}")).build());
            JsonNode json = BaetylHome.JSON.readTree(out.getPayload().toByteArray());
            assertThat(json.get("id").asInt()).isEqualTo(7);
            assertThat(json.get("Say").asText()).isEqualTo("Hello Baetyl");
            assertThat(json.get("messageTopic").asText()).isEqualTo("video");
            try {
                stub.call(FunctionMessage.newBuilder().setFunctionName("nope").build());
                throw new AssertionError("expected an error");
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getDescription()).isEqualTo("function (nope) not found");
            }
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    @Order(11)
    @SuppressWarnings("unchecked")
    void poolStatsReportedToMaster() throws Exception {
        try (HttpMasterClient api = baetyl.apiAs("function-manager")) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                Map<String, Object> fmStats = null;
                for (Object s : (List<Object>) api.inspectSystem().get("services")) {
                    Map<String, Object> svc = (Map<String, Object>) s;
                    if ("function-manager".equals(svc.get("name"))) {
                        fmStats = (Map<String, Object>) ((List<Object>) svc.get("instances")).get(0);
                    }
                }
                assertThat(fmStats).isNotNull();
                Map<String, Object> py = (Map<String, Object>) ((Map<String, Object>) fmStats.get("functions"))
                        .get("python3-sayhi");
                assertThat(((Number) py.get("calls")).longValue()).isGreaterThanOrEqualTo(8);
                assertThat(((Number) py.get("errors")).longValue()).isGreaterThanOrEqualTo(3);
                assertThat(((Number) py.get("instances")).intValue()).isEqualTo(1);
            });
        }
    }

    @Test
    @Order(12)
    void qos1FunctionManagerKilledMidCallInputRedeliveredAndProcessed() throws Exception {
        clearQueues();
        long fmPid = baetyl.instances("function-manager").get("function-manager");
        // The handler creates this file when the call reaches it: then the manager has taken the message and is
        // waiting for the function's answer, which comes 1.5 s later; kill -9 it in that window.
        Path started = baetyl.path("slow-call-started");
        Files.deleteIfExists(started);
        publish("test/slow", "{\"sleep\":1500,\"killed\":true,\"started\":\"" + started + "\"}", 1);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> Files.exists(started));
        assertThat(queue("test/slow/out")).isEmpty();
        ProcessHandle.of(fmPid).ifPresent(ProcessHandle::destroyForcibly);
        // The master restarts it; the new one resumes the rule's session and the hub redelivers the message.
        JsonNode out = json(next("test/slow/out", Duration.ofSeconds(40)));
        assertThat(out.get("killed").asBoolean()).isTrue();
        baetyl.rememberPids();
    }

    @Test
    @Order(13)
    void ruleNamingUnknownFunctionIsStartupErrorNamingIt() throws Exception {
        Path conf = baetyl.path("bad-function-manager.yml");
        Files.writeString(conf, """
                hub: {address: tcp://127.0.0.1:1, username: test, password: hahaha}
                rules:
                  - clientid: r1
                    subscribe: {topic: t}
                    function: {name: nope}
                    publish: {topic: t/nope}
                functions:
                  - {name: python3-sayhi, service: function-python3-sayhi}
                """);
        Process p = new ProcessBuilder(baetyl.path("var/db/baetyl/baetyl-function-manager/bin/baetyl-function-manager")
                .toString(), "-c", conf.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out).contains("rules[0].function.name: function (nope) not found");
    }

    /**
     * The example's ssl listener with its test certificates, as the two-way TLS tutorial uses them: a client that
     * trusts the example's CA logs in with its client certificate as the principal {@code two-way-tls}, then publishes
     * and receives on {@code tls/#}. Nothing connected over TLS before, so the hub sets TLS up for this connection.
     */
    @Test
    @Order(14)
    void exampleSslListenerServesATwoWayTlsLogin() throws Exception {
        clearQueues();
        Path certs = baetyl.path("var/db/baetyl/localhub-cert-only-for-test");
        TlsFiles files = new TlsFiles("e2e", certs.resolve("ca.pem").toString(), certs.resolve("client.pem").toString(),
                certs.resolve("client.key").toString(), null);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(files.keyPair().keyManagers(), files.trustManagers(), null);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(tls.getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(false); // the example's test certificate names no host
        o.setUserName("two-way-tls");
        o.setCleanSession(true);
        MqttClient viaTls = new MqttClient("ssl://127.0.0.1:" + baetyl.sslPort, "e2e-two-way-tls",
                new MemoryPersistence());
        try {
            viaTls.connect(o);
            BlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
            viaTls.subscribe("tls/#", 1, (topic, m) -> got.add(m));
            viaTls.publish("tls/e2e", "{\"id\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
            MqttMessage m = got.poll(30, TimeUnit.SECONDS);
            assertThat(m).as("the message back over TLS").isNotNull();
            assertThat(text(m)).isEqualTo("{\"id\":1}");
            assertThat(text(next("tls/e2e", Duration.ofSeconds(10)))).as("and to the tcp observer")
                    .isEqualTo("{\"id\":1}");
        } finally {
            if (viaTls.isConnected()) {
                viaTls.disconnect();
            }
            viaTls.close();
        }
        assertThat(baetyl.output()).contains("tls: set up in");
    }
}
