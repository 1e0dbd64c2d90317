package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Restart and crash: acknowledged QoS 1 messages, persistent subscriptions and retained messages survive. */
@Timeout(90)
class PersistenceTest {
    @TempDir
    Path dir;

    @Test
    void restart_keepsSessionsRetainedAndUndeliveredMessages() throws Exception {
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
    void kill9_losesNoAcknowledgedQos1Message_andSigtermExitsZero() throws Exception {
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
}
