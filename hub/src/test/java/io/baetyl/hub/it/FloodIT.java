package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub process, with the launcher's {@code jvm.options} (96 MB heap), under the floods that used to take it down:
 * 5,000 retained 30 KB messages, 30 KB QoS 1 floods to an offline persistent session and to a live slow consumer, and
 * a QoS 0 subscriber that never reads. During each, a probe's round trip through the hub keeps answering within a
 * second, and the resident set stays under the heap plus the JVM's other fixed caps (metaspace, code cache, direct
 * memory) and 32 MB for threads, GC and libraries. Each flood prints one {@code FLOOD} line with its figures
 * (docs/PERFORMANCE.md).
 */
@Timeout(300)
class FloodIT {
    static final int KB30 = 30 * 1024;
    static final Duration FLOOD = Duration.ofSeconds(20);
    static final Duration PROBE_BOUND = Duration.ofSeconds(1);

    @TempDir
    Path dir;
    HubProcess hub;
    List<String> jvm;
    long rssBound;
    Floods.Probe probe;
    Floods.RssSampler rss;

    @BeforeEach
    void start() throws Exception {
        jvm = HubProcess.shippedJvmOptions();
        long mb = 1 << 20;
        rssBound = HubProcess.sizeFlag(jvm, "-Xmx") + HubProcess.sizeFlag(jvm, "-XX:MaxMetaspaceSize=")
                + HubProcess.sizeFlag(jvm, "-XX:ReservedCodeCacheSize=") + HubProcess.sizeFlag(jvm, "-XX:MaxDirectMemorySize=")
                + 32 * mb;
    }

    /** The hub with its defaults, or (for the QoS 1 floods) with a log cap they reach: refusing QoS 1 must not hurt. */
    private void startHub(boolean smallLog) throws Exception {
        hub = new HubProcess(dir, smallLog ? "storage:\n  size:\n    max: 256m\n" : "").start(jvm);
    }

    @AfterEach
    void stop() throws Exception {
        if (probe != null) {
            probe.close();
        }
        if (rss != null) {
            rss.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    private void watch() throws Exception {
        probe = (Floods.Probe) new Floods.Probe(hub.url(), PROBE_BOUND.multipliedBy(10)).start();
        rss = (Floods.RssSampler) new Floods.RssSampler(hub).start();
    }

    /** The figures of one flood: printed for the record, then checked. */
    private void check(String name, long messages, Duration took) {
        double mb = 1 << 20;
        System.out.printf(Locale.ROOT, "FLOOD %s: %d messages in %.1f s (%.0f msg/s), probe max %d ms over %d probes "
                        + "(%d lost), hub RSS max %.1f MB (bound %.0f MB)%n", name, messages, took.toMillis() / 1000.0,
                messages * 1000.0 / Math.max(1, took.toMillis()), probe.max().toMillis(), probe.count.get(), probe.lost.get(),
                rss.max.get() / mb, rssBound / mb);
        assertThat(hub.process.isAlive()).as("the hub is up").isTrue();
        assertThat(probe.count.get()).as("probes sent").isPositive();
        assertThat(probe.lost.get()).as("probes lost").isZero();
        assertThat(probe.max()).as("slowest probe round trip").isLessThanOrEqualTo(PROBE_BOUND);
        assertThat(rss.max.get()).as("hub RSS").isLessThanOrEqualTo(rssBound);
    }

    /** A client that counts what it receives. */
    private static final class Counter implements MqttCallback {
        final AtomicLong received = new AtomicLong();
        final AtomicLong retained = new AtomicLong();

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.incrementAndGet();
            if (message.isRetained()) {
                retained.incrementAndGet();
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    /** Time from {@code startedAt} until the hub answers a CONNECT with CONNACK. */
    private static Duration untilConnackFrom(HubProcess h, long startedAt) throws Exception {
        MqttClient c = new MqttClient(h.url(), "start-probe", new MemoryPersistence());
        c.connect(Floods.options(true));
        Duration d = Duration.ofNanos(System.nanoTime() - startedAt);
        c.disconnect();
        c.close();
        return d;
    }

    private MqttClient counting(String id, Counter counter) throws Exception {
        MqttClient c = new MqttClient(hub.url(), id, new MemoryPersistence());
        c.setCallback(counter);
        return c;
    }

    @Test
    void fiveThousandRetained30KbMessagesAreKeptAndTheHubRestartsWithinFiveSeconds() throws Exception {
        // The same start on an empty store first: what a start costs on this machine now, without our data.
        long emptyStart = System.nanoTime();
        startHub(false);
        Duration empty = untilConnackFrom(hub, emptyStart);
        watch();
        long t0 = System.nanoTime();
        try (Floods.Publisher pub = new Floods.Publisher(hub.url(), "retainer", "r", 0, KB30, true)) {
            pub.limit = 5000;
            pub.start();
            pub.thread.join(Duration.ofMinutes(3).toMillis());
            assertThat(pub.acked.get()).isEqualTo(5000);
        }
        // every one of them reaches a new subscriber, read from the store as the connection takes them
        Counter counter = new Counter();
        MqttClient sub = counting("reader", counter);
        sub.connect(Floods.options(true));
        sub.subscribe("r/#", 0);
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(counter.retained.get()).isEqualTo(5000));
        sub.disconnect();
        sub.close();
        check("retained 5,000 x 30 KB (published, then all read back by a new subscriber)", 5000,
                Duration.ofNanos(System.nanoTime() - t0));

        assertThat(hub.terminate()).as("exit status after SIGTERM").isZero();
        long restart = System.nanoTime();
        hub.start(jvm);
        Duration answered = untilConnackFrom(hub, restart);
        MqttClient again = new MqttClient(hub.url(), "after-restart", new MemoryPersistence());
        again.connect(Floods.options(true));
        System.out.printf(Locale.ROOT, "FLOOD retained restart: CONNACK %d ms after the process started (%d ms on an "
                + "empty store)%n", answered.toMillis(), empty.toMillis());
        // Within 5 s (the issue's figure) of what a start on an empty store takes on this machine at this moment: the
        // 150 MB of retained messages may cost little at start, and a loaded machine slows both starts alike.
        assertThat(answered).isLessThanOrEqualTo(empty.plusSeconds(5));
        Counter after = new Counter();
        again.setCallback(after);
        again.subscribe("r/4999", 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> after.retained.get() == 1);
        again.disconnect();
        again.close();
        assertThat(hub.output()).doesNotContain("OutOfMemoryError");
    }

    @Test
    void aQos1FloodToAnOfflinePersistentSession() throws Exception {
        startHub(true);
        MqttClient offline = new MqttClient(hub.url(), "offline", new MemoryPersistence());
        offline.connect(Floods.options(false));
        offline.subscribe("flood/#", 1);
        offline.disconnect();
        offline.close();
        watch();
        long t0 = System.nanoTime();
        try (Floods.Publisher pub = new Floods.Publisher(hub.url(), "flooder", "flood/offline", 1, KB30, false)) {
            pub.start();
            Thread.sleep(FLOOD.toMillis());
            pub.close();
            check("QoS 1 30 KB to an offline persistent session (reconnects after refusals: " + pub.reconnects.get() + ")",
                    pub.acked.get(), Duration.ofNanos(System.nanoTime() - t0));
        }
        // the session is still served: its first messages arrive when it comes back
        Counter counter = new Counter();
        MqttClient back = counting("offline", counter);
        back.connect(Floods.options(false));
        await().atMost(Duration.ofSeconds(30)).until(() -> counter.received.get() > 0);
        back.disconnectForcibly(1000, 1000);
        back.close();
    }

    @Test
    void aQos1FloodToALiveSlowConsumer() throws Exception {
        startHub(true);
        MqttClient slow = new MqttClient(hub.url(), "slow", new MemoryPersistence());
        AtomicLong got = new AtomicLong();
        slow.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) throws InterruptedException {
                got.incrementAndGet();
                Thread.sleep(20); // 50 messages a second at most: Paho's reader waits, so does the socket
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        slow.connect(Floods.options(true));
        slow.subscribe("flood/#", 1);
        watch();
        long t0 = System.nanoTime();
        try (Floods.Publisher pub = new Floods.Publisher(hub.url(), "flooder", "flood/slow", 1, KB30, false)) {
            pub.start();
            Thread.sleep(FLOOD.toMillis());
            pub.close();
            check("QoS 1 30 KB to a live consumer reading 50 msg/s (" + got.get() + " consumed)", pub.acked.get(),
                    Duration.ofNanos(System.nanoTime() - t0));
        }
        assertThat(got.get()).isPositive();
        slow.disconnectForcibly(1000, 1000);
        slow.close();
    }

    @Test
    void aQos0SubscriberThatNeverReads() throws Exception {
        startHub(true);
        try (Socket stuck = new Socket()) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(new InetSocketAddress("127.0.0.1", hub.port));
            stuck.getOutputStream().write(RawClient.connectPacket("stuck", 0));
            stuck.getOutputStream().write(RawClient.subscribePacket(1, "flood/#", 0));
            watch();
            long t0 = System.nanoTime();
            try (Floods.Publisher pub = new Floods.Publisher(hub.url(), "flooder", "flood/q0", 0, KB30, false)) {
                pub.start();
                Thread.sleep(FLOOD.toMillis());
                pub.close();
                check("QoS 0 30 KB to a subscriber that never reads", pub.acked.get(), Duration.ofNanos(System.nanoTime() - t0));
            }
        }
    }
}
