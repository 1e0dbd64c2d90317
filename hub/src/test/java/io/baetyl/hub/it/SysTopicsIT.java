package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code $SYS/broker/...} with real Paho clients: published every {@code sys.interval}, subscribable only with a
 * {@code $SYS} permit, and never delivered to {@code #} or {@code +/...} subscriptions (MQTT 3.1.1 4.7.2).
 */
@Timeout(60)
class SysTopicsIT {
    @TempDir
    Path dir;
    TestHub hub;

    @BeforeEach
    void start() {
        HubConfig c = TestHub.config();
        c.principals = new ArrayList<>(c.principals);
        c.principals.add(TestHub.principal("monitor", "m1", List.of("x"), List.of("$SYS/#")));
        c.sys.interval = Duration.ofMillis(200);
        hub = TestHub.start(c, dir);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void aPrincipalPermittedDollarSysGetsTheBrokersFiguresAndTheyMove() throws Exception {
        try (TestHub.Client monitor = hub.client("monitor-1", "monitor", "m1", true).connect();
             TestHub.Client pub = hub.client("pub-1").connect()) {
            monitor.subscribe("$SYS/#", 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> last(monitor, "$SYS/broker/clients/connected") != null);
            assertThat(Long.parseLong(last(monitor, "$SYS/broker/clients/connected"))).isEqualTo(2);
            long before = Long.parseLong(last(monitor, "$SYS/broker/messages/received"));
            for (int i = 0; i < 20; i++) {
                pub.publish("load/" + i, "m", 0, false);
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> Long.parseLong(last(monitor, "$SYS/broker/messages/received")) >= before + 20);
            assertThat(last(monitor, "$SYS/broker/version")).startsWith("baetyl-hub ");
            assertThat(last(monitor, "$SYS/broker/uptime")).endsWith(" seconds");
            assertThat(last(monitor, "$SYS/broker/subscriptions/count")).isEqualTo("1");
            assertThat(Long.parseLong(last(monitor, "$SYS/broker/bytes/received"))).isPositive();
            assertThat(last(monitor, "$SYS/broker/retained messages/count")).isEqualTo("0"); // $SYS is not counted
        }
        // Retained (in memory): a new subscriber gets the current figures at once, without waiting an interval.
        try (TestHub.Client late = hub.client("monitor-2", "monitor", "m1", true).connect()) {
            late.subscribe("$SYS/broker/clients/+", 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> late.received.stream()
                    .anyMatch(r -> r.retained() && r.topic().equals("$SYS/broker/clients/connected")));
        }
    }

    @Test
    void wildcardsNeverMatchDollarSysAndAPlainPermitCannotSubscribeToIt() throws Exception {
        try (TestHub.Client all = hub.client("all-1").connect();
             TestHub.Client monitor = hub.client("monitor-1", "monitor", "m1", true).connect()) {
            all.subscribe("#", 0);
            all.subscribe("+/broker/#", 0);
            monitor.subscribe("$SYS/#", 0);
            int[] refused = all.paho.subscribeWithResponse(new String[] {"$SYS/#"}, new int[] {0}).getGrantedQos();
            assertThat(refused[0]).as("u1 has sub '#' but no $SYS permit").isEqualTo(0x80);
            all.publish("plain/topic", "hello", 0, false);
            // The monitor has seen several intervals of $SYS by the time "#" got the plain message.
            await().atMost(Duration.ofSeconds(60)).until(() -> all.payloads().contains("hello")
                    && monitor.received.stream().filter(r -> r.topic().equals("$SYS/broker/uptime")).count() >= 3);
            assertThat(all.received).extracting(TestHub.Client.Received::topic).containsOnly("plain/topic");
            // Nor can anyone publish to $SYS: the publishing client is disconnected, as for any invalid topic.
            // The hub closes the connection as it reads this PUBLISH; Paho's synchronous QoS 0 publish may then wait
            // for a token the lost connection never completes (it hung a whole test once), so it waits 10 s at most.
            all.paho.setTimeToWait(10_000);
            try {
                all.publish("$SYS/broker/uptime", "forged", 0, false);
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                // the connection is gone, as checked next
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> !all.paho.isConnected());
            assertThat(monitor.received).noneMatch(r -> r.payload().equals("forged"));
        }
    }

    private static String last(TestHub.Client c, String topic) {
        String v = null;
        for (TestHub.Client.Received r : c.received) {
            if (r.topic().equals(topic)) {
                v = r.payload();
            }
        }
        return v;
    }
}
