package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.config.ByteSize;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the hub does at each budget, with real clients: refuse, drop the oldest, or hold back the PUBACK. */
@Timeout(120)
class BudgetsIT {
    @TempDir
    Path dir;
    TestHub hub;

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    private long metric(String key) {
        return ((Number) TestHub.metrics(hub).get(key)).longValue();
    }

    private static String numbered(int i, int bytes) {
        String n = i + ":";
        return n + "x".repeat(Math.max(0, bytes - n.length()));
    }

    private static int number(String payload) {
        return Integer.parseInt(payload.substring(0, payload.indexOf(':')));
    }

    @Test
    void aRetainedMessageOverTheBudgetIsDeliveredButNotRetained() throws Exception {
        HubConfig c = TestHub.config();
        c.message.retained.count.max = 3L;
        hub = TestHub.start(c, dir);
        try (var live = hub.client("live").connect().subscribe("r/#", 0);
             var pub = hub.client("pub").connect()) {
            for (int i = 1; i <= 5; i++) {
                pub.publish("r/" + i, "v" + i, 1, true);
            }
            await().untilAsserted(() -> assertThat(live.payloads()).containsExactly("v1", "v2", "v3", "v4", "v5"));
            assertThat(metric("retained")).isEqualTo(3);
            assertThat(metric("retained_refused")).isEqualTo(2);
            // at the limit a retained message can still be replaced, and deleted to make room
            pub.publish("r/1", "v1b", 1, true);
            pub.publish("r/2", "", 1, true);
            pub.publish("r/4", "v4b", 0, true);
            await().until(() -> metric("retained") == 3 && live.payloads().contains("v4b"));
            try (var late = hub.client("late").connect().subscribe("r/#", 1)) {
                pub.publish("r/end", "end", 1, false); // retained messages go out before anything published later
                await().untilAsserted(() -> assertThat(late.payloads()).contains("end"));
                assertThat(late.received).filteredOn(TestHub.Client.Received::retained)
                        .extracting(TestHub.Client.Received::payload).containsExactlyInAnyOrder("v1b", "v3", "v4b");
            }
        }
    }

    @Test
    void aSlowQos0SubscriberLosesItsOldestMessagesAndOthersAreServed() throws Exception {
        HubConfig c = TestHub.config();
        c.message.egress.qos0.session.size.max = ByteSize.ofBytes(256 * 1024);
        hub = TestHub.start(c, dir);
        int n = 4000;
        int size = 4096;
        // the stuck subscriber: a small receive buffer, and it does not read until the flood is over
        try (Socket stuck = new Socket()) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(new java.net.InetSocketAddress("127.0.0.1", hub.port()));
            stuck.setSoTimeout(30_000);
            stuck.getOutputStream().write(RawClient.connectPacket("stuck", 0));
            stuck.getOutputStream().write(RawClient.subscribePacket(1, "flood", 0));
            RawPackets packets = new RawPackets(stuck.getInputStream());
            assertThat(packets.next()[0] & 0xFF).isEqualTo(0x20); // CONNACK
            assertThat(packets.next()[0] & 0xFF).isEqualTo(0x90); // SUBACK
            try (var pub = hub.client("pub").connect();
                 var other = hub.client("other").connect().subscribe("flood", 0)) {
                for (int i = 0; i < n; i++) {
                    pub.publish("flood", numbered(i, size), 0, false);
                    if (i % 20 == 19) {
                        // a subscriber that reads loses nothing (in bursts well within its own budget)
                        int expected = i + 1;
                        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                                .until(() -> other.received.size() == expected);
                    }
                }
                await().until(() -> metric("messages_in_qos0") == n);
            }
            assertThat(metric("messages_dropped")).isPositive();
            assertThat(metric("qos0_queued_bytes")).isLessThanOrEqualTo(256 * 1024);
            // now it reads: what it gets ends with the newest message, and the oldest of the queue are missing
            List<Integer> got = new ArrayList<>();
            while (got.isEmpty() || got.get(got.size() - 1) != n - 1) {
                byte[] p = packets.next();
                int topicLen = ((p[packets.headerLength] & 0xFF) << 8) | (p[packets.headerLength + 1] & 0xFF);
                int at = packets.headerLength + 2 + topicLen;
                got.add(number(new String(p, at, p.length - at, StandardCharsets.UTF_8)));
            }
            assertThat(got).isSorted().hasSizeLessThan(n).doesNotHaveDuplicates();
            assertThat(got.get(got.size() - 1)).isEqualTo(n - 1);
        }
    }

    @Test
    void aFullQos1LogRefusesQos1ServesQos0AndDeliversEverythingAcknowledged() throws Exception {
        HubConfig c = TestHub.config();
        c.storage.size.max = ByteSize.ofBytes(256 * 1024); // 16 KB segments
        hub = TestHub.start(c, dir);
        hub.client("keeper", "u1", "p1", false).connect().subscribe("full/#", 1).close();
        List<Integer> acked = new ArrayList<>();
        try (var pub = hub.client("pub").connect()) {
            assertThatThrownBy(() -> {
                for (int i = 0; i < 1000; i++) {
                    pub.publish("full/a", numbered(i, 4096), 1, false); // returns once the PUBACK is in
                    acked.add(i);
                }
            }).isInstanceOf(MqttException.class);
            await().until(() -> !pub.paho.isConnected());
        }
        assertThat(acked).hasSizeBetween(30, 64);
        assertThat(metric("messages_refused_qos1")).isPositive();
        assertThat(metric("persisted_bytes")).isLessThanOrEqualTo(256 * 1024);
        // QoS 0 goes on
        try (var probe = hub.client("probe").connect().subscribe("probe", 0)) {
            probe.publish("probe", "still here", 0, false);
            await().untilAsserted(() -> assertThat(probe.payloads()).containsExactly("still here"));
        }
        // the offline session gets everything that was acknowledged; once it has, the space is freed
        try (var keeper = hub.client("keeper", "u1", "p1", false).connect()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> new TreeSet<>(keeper.payloads().stream().map(BudgetsIT::number).toList())
                    .containsAll(acked));
            await().atMost(Duration.ofSeconds(30)).until(() -> metric("persisted_bytes") < 128 * 1024);
            try (var pub = hub.client("pub2").connect()) {
                pub.publish("full/b", numbered(-1, 100), 1, false);
            }
            await().untilAsserted(() -> assertThat(keeper.payloads()).anyMatch(p -> p.startsWith("-1:")));
        }
    }

    @Test
    void aFailedLogWriteRefusesQos1WithoutAckAndQos0GoesOn() throws Exception {
        // the QoS 1 log's segment is /dev/full: every write fails with "No space left on device"
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.createSymbolicLink(data.resolve(String.format("qos1-%020d.log", 1)), Path.of("/dev/full"));
        hub = TestHub.start(TestHub.config(), dir);
        try (var pub = hub.client("pub").connect()) {
            assertThatThrownBy(() -> pub.publish("q1", "lost?", 1, false)).isInstanceOf(MqttException.class);
        }
        assertThat(metric("messages_refused_qos1")).isEqualTo(1);
        assertThat(metric("messages_persisted")).isZero();
        try (var probe = hub.client("probe").connect().subscribe("probe", 0)) {
            probe.publish("probe", "qos 0 flows", 0, false);
            await().untilAsserted(() -> assertThat(probe.payloads()).containsExactly("qos 0 flows"));
        }
    }

    /** Reads whole MQTT packets from a raw socket. */
    static final class RawPackets {
        private final java.io.InputStream in;
        int headerLength;

        RawPackets(java.io.InputStream in) {
            this.in = in;
        }

        byte[] next() throws IOException {
            int h = in.read();
            if (h < 0) {
                throw new IOException("closed");
            }
            int len = 0;
            int mul = 1;
            int b;
            int n = 1;
            do {
                b = in.read();
                n++;
                len += (b & 0x7F) * mul;
                mul *= 128;
            } while ((b & 0x80) != 0);
            byte[] body = in.readNBytes(len);
            byte[] out = new byte[n + len];
            out[0] = (byte) h;
            System.arraycopy(body, 0, out, n, len);
            headerLength = n;
            return out;
        }
    }
}
