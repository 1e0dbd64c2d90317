package io.baetyl.function.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import io.baetyl.sdk.testing.Mosquitto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Rules against a real broker (Mosquitto) with in-JVM fake runtimes. */
@Timeout(60)
class RuleRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private Mosquitto broker;
    private MqttClient client;
    private final BlockingQueue<MqttMessage> out = new LinkedBlockingQueue<>();
    private final ExecutorService blocking = Executors.newCachedThreadPool();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final FakeFactory factory = new FakeFactory("svc", "fn");
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        broker = new Mosquitto(tmp.resolve("mosquitto"), null).start();
        client = new MqttClient(broker.tcpAddress(), "tester", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        client.connect(o);
        client.subscribe("out/#", 1, (topic, m) -> out.add(m));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
        factory.stopAll();
        blocking.shutdownNow();
        scheduler.shutdownNow();
        broker.close();
    }

    private ManagedFunction function(int max) {
        ManagerConfig.FunctionSpec spec = new ManagerConfig.FunctionSpec();
        spec.name = "fn";
        spec.service = "svc";
        spec.instance.max = max;
        spec.timeout = Duration.ofSeconds(5);
        ManagedFunction f = new ManagedFunction(spec,
                new FunctionPool(spec.name, spec.instance, factory, blocking, scheduler));
        closeables.add(f);
        return f;
    }

    private RuleRunner rule(ManagedFunction f, int subQos, int pubQos, int retry) throws Exception {
        ManagerConfig.Rule r = new ManagerConfig.Rule();
        r.subscribe.topic = "in";
        r.subscribe.qos = subQos;
        r.function.name = "fn";
        r.publish.topic = "out/fn";
        r.publish.qos = pubQos;
        r.retry.max = retry;
        MqttClientConfig hub = new MqttClientConfig();
        hub.address = broker.tcpAddress();
        RuleRunner runner = new RuleRunner("rule-1", r, f, hub).start();
        closeables.add(runner);
        runner.connected().get(10, TimeUnit.SECONDS);
        return runner;
    }

    private void send(String payload, int qos) throws Exception {
        client.publish("in", payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    private MqttMessage next() throws InterruptedException {
        MqttMessage m = out.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("output message").isNotNull();
        return m;
    }

    @Test
    void resultPublishedWithMinQos() throws Exception {
        rule(function(1), 1, 1, 3);
        send("hello", 1);
        MqttMessage m = next();
        assertThat(new String(m.getPayload(), StandardCharsets.UTF_8)).isEqualTo("svc.fn.1:hello");
        assertThat(m.getQos()).isEqualTo(1);
        send("q0", 0);
        assertThat(next().getQos()).isZero(); // min(0, 1)
    }

    @Test
    void publishQos0OutputQos0EvenForQos1Input() throws Exception {
        rule(function(1), 1, 0, 3);
        send("hello", 1);
        assertThat(next().getQos()).isZero();
    }

    @Test
    void emptyResultPublishesNothingAndInputIsAcked() throws Exception {
        RuleRunner r = rule(function(1), 1, 1, 3);
        send("empty", 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> factory.calls.get() == 1 && r.pending() == 0);
        send("after", 1);
        assertThat(new String(next().getPayload(), StandardCharsets.UTF_8)).isEqualTo("svc.fn.1:after");
        assertThat(out).isEmpty();
    }

    @Test
    void lastFailurePublishesErrorJsonAfterRetryMaxAttempts() throws Exception {
        rule(function(1), 1, 1, 3);
        send("fail:boom", 1);
        JsonNode err = JSON.readTree(next().getPayload());
        assertThat(factory.calls.get()).isEqualTo(3);
        assertThat(err.get("errorMessage").asText())
                .isEqualTo("rpc error: code = Unknown desc = Exception calling application: boom");
        assertThat(err.get("errorType").asText()).isEqualTo("*status.statusError");
        JsonNode fm = err.get("functionMessage");
        assertThat(new String(Base64.getDecoder().decode(fm.get("Payload").asText()), StandardCharsets.UTF_8))
                .isEqualTo("fail:boom");
        assertThat(fm.get("QOS").asInt()).isEqualTo(1);
        assertThat(fm.get("Topic").asText()).isEqualTo("in");
        assertThat(fm.get("FunctionName").asText()).isEqualTo("fn");
        assertThat(fm.get("FunctionInvokeID").asText()).hasSize(36);
        assertThat(fm.get("Timestamp").asLong()).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(5L));
    }

    @Test
    void qos1InputNotAckedUntilOutputPublishedRedeliveredAfterManagerDies() throws Exception {
        ManagedFunction f = function(1);
        RuleRunner first = rule(f, 1, 1, 1);
        send("sleep:1500", 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> factory.calls.get() == 1);
        first.close(); // dies mid-call: its output can no longer be published, so the input is never acked
        assertThat(out.poll(2500, TimeUnit.MILLISECONDS)).isNull();
        rule(f, 1, 1, 1); // same client id, persistent session: the broker redelivers
        assertThat(new String(next().getPayload(), StandardCharsets.UTF_8)).endsWith(":sleep:1500");
        assertThat(factory.calls.get()).isEqualTo(2);
    }

    @Test
    void concurrentMessagesProcessedInParallelUpToMax() throws Exception {
        rule(function(4), 1, 1, 3);
        for (int i = 0; i < 8; i++) {
            send("sleep:500", 1);
        }
        for (int i = 0; i < 8; i++) {
            next();
        }
        // Four handlers ran at the same moment: the runtime itself counted them, so a slow machine cannot fake or
        // hide it the way a wall-clock bound could.
        assertThat(factory.maxConcurrent.get()).isEqualTo(4);
    }
}
