package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Restart and crash: acknowledged QoS 1 messages, persistent subscriptions and retained messages survive. */
@Timeout(240)
class PersistenceIT {
    @TempDir
    Path dir;

    @Test
    void restartKeepsSessionsRetainedAndUndeliveredMessages() throws Exception {
        try (TestHub hub = TestHub.start(TestHub.config(), dir)) {
            try (var p = hub.client("p", "u1", "p1", false).connect()) {
                p.subscribe("keep/#", 1);
            }
            try (var pub = hub.client("pub").connect()) {
                pub.publish("keep/a", "one", 1, false);
                pub.publish("keep/r", "retained", 1, true);
            }
            hub.restart();
            try (var p = hub.client("p", "u1", "p1", false).connect()) {
                assertThat(p.sessionPresent).isTrue();
                await().untilAsserted(() -> assertThat(p.payloads()).containsExactly("one", "retained"));
            }
            try (var s = hub.client("s").connect()) {
                s.subscribe("keep/#", 0);
                await().untilAsserted(() -> assertThat(s.payloads()).containsExactly("retained"));
            }
        }
    }

    @Test
    void kill9LosesNoAcknowledgedQos1MessageAndSigtermExitsZero() throws Exception {
        int n = 300;
        try (HubProcess hub = new HubProcess(dir, "").start()) {
            try (var p = TestHub.client(hub.url(), "p", "u1", "p1", false, 60).connect()) {
                p.subscribe("crash/#", 1);
            }
            try (var pub = TestHub.client(hub.url(), "pub", "u1", "p1", true, 60).connect()) {
                for (int i = 0; i < n; i++) {
                    pub.publish("crash/x", "m" + i, 1, false); // returns after PUBACK
                }
            }
            hub.kill9();
            hub.start();
            Set<String> got = new HashSet<>();
            try (var p = TestHub.client(hub.url(), "p", "u1", "p1", false, 60).connect()) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    got.clear();
                    got.addAll(p.payloads());
                    assertThat(got).hasSize(n);
                });
            }
            assertThat(got).containsAll(IntStream.range(0, n).mapToObj(i -> "m" + i).toList());
            assertThat(hub.terminate()).as("exit code after SIGTERM\n" + hub.output()).isZero();
            assertThat(hub.output()).contains("hub stopped");
        }
    }

    /**
     * The hub is killed while publishers stream QoS 1 with many messages in flight. Every message the hub
     * acknowledged must reach the persistent subscriber, before the crash or after the restart.
     */
    @Test
    void kill9MidStreamEveryAcknowledgedMessageIsDeliveredAfterRestart() throws Exception {
        try (HubProcess hub = new HubProcess(dir, "").start()) {
            Set<String> got = ConcurrentHashMap.newKeySet();
            TestHub.Client sub = TestHub.client(hub.url(), "stream-sub", "u1", "p1", false, 60).connect();
            sub.subscribe("stream/#", 1);
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                MqttAsyncClient c = new MqttAsyncClient(hub.url(), "stream-pub-" + p, new MemoryPersistence());
                MqttConnectOptions o = new MqttConnectOptions();
                o.setUserName("u1");
                o.setPassword("p1".toCharArray());
                o.setMaxInflight(200);
                c.connect(o).waitForCompletion(10_000);
                int id = p;
                Thread t = new Thread(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String payload = id + "-" + i;
                        try {
                            c.publish("stream/" + id, payload.getBytes(), 1, false, null, new IMqttActionListener() {
                                @Override
                                public void onSuccess(IMqttToken token) {
                                    acked.add(payload); // the PUBACK arrived
                                }

                                @Override
                                public void onFailure(IMqttToken token, Throwable e) {
                                }
                            });
                        } catch (MqttException e) {
                            if (e.getReasonCode() == MqttException.REASON_CODE_MAX_INFLIGHT) {
                                i--;
                                Thread.onSpinWait();
                            } else {
                                return; // the hub is gone
                            }
                        }
                    }
                });
                t.start();
                publishers.add(t);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= 3000);
            hub.kill9(); // with publishes in flight: some written and not acknowledged, some not written
            stop.set(true);
            for (Thread t : publishers) {
                t.join(5000);
            }
            got.addAll(sub.payloads());
            sub.close();
            Set<String> ackedAtCrash = Set.copyOf(acked);
            hub.start();
            try (var again = TestHub.client(hub.url(), "stream-sub", "u1", "p1", false, 60).connect()) {
                assertThat(again.sessionPresent).isTrue();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Set<String> all = new HashSet<>(got);
                    all.addAll(again.payloads());
                    assertThat(all).containsAll(ackedAtCrash);
                });
            }
            assertThat(hub.terminate()).isZero();
        }
    }

    /** {@code message.ingress.qos1.cleanup.retention/interval}: expired messages are deleted and not delivered. */
    @Test
    void retentionCleanupDeletesExpiredMessagesOnly() throws Exception {
        var c = TestHub.config();
        c.message.ingress.qos1.cleanup.retention = Duration.ofMillis(1500);
        c.message.ingress.qos1.cleanup.interval = Duration.ofMillis(100);
        try (TestHub hub = TestHub.start(c, dir)) {
            try (var p = hub.client("offline", "u1", "p1", false).connect()) {
                p.subscribe("old/#", 1);
            }
            try (var pub = hub.client("pub").connect()) {
                for (int i = 0; i < 20; i++) {
                    pub.publish("old/x", "old" + i, 1, false);
                }
            }
            var log = hub.hub.broker().store().log();
            assertThat(log.count()).isEqualTo(20);
            // retention plus at most a quarter of it (a segment closes after retention / 4) plus the interval
            await().atMost(Duration.ofSeconds(60)).until(() -> log.count() == 0);
            try (var pub = hub.client("pub").connect()) {
                pub.publish("old/x", "young", 1, false);
            }
            try (var p = hub.client("offline", "u1", "p1", false).connect()) {
                await().untilAsserted(() -> assertThat(p.payloads()).containsExactly("young"));
            }
            assertThat(log.lastSeq()).isEqualTo(21);
        }
    }
}
