package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the hub's connections run (LoopPlacement): with its 2 I/O loops and the default fill (8 connections a loop), a
 * publisher and a subscriber share one loop, so a message wakes one hub thread, not two. Seen from outside, as the
 * kernel counts it: each I/O thread's voluntary context switches (a sleep in epoll_wait and a wake-up) while messages
 * go one at a time from a Paho publisher to a Paho subscriber. With Netty's round-robin ({@code -Dbaetyl.hub.loopFill=0}) both loops wake
 * for every message, which shows the measure tells the two apart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopPlacementIT {
    private static final int MESSAGES = 300;

    @Test
    void aPublisherAndItsSubscriberShareOneLoop_eachMessageWakesOneHubThread(@TempDir Path dir) throws Exception {
        List<Long> wakeUps = wakeUpsPerLoop(dir, List.of());
        // Netty starts a loop's thread with its first channel or task: the second may not exist at all
        assertThat(wakeUps).hasSizeBetween(1, 2);
        long busy = wakeUps.get(0);
        long idle = wakeUps.size() > 1 ? wakeUps.get(1) : 0;
        // a quarter, not every message: on a busy machine the loop is sometimes preempted instead of going to sleep
        assertThat(busy).as("the loop of both connections wakes for the messages").isGreaterThanOrEqualTo(MESSAGES / 4);
        assertThat(idle).as("the other loop sleeps through them").isLessThan(MESSAGES / 10);
    }

    @Test
    void roundRobin_eachMessageWakesBothLoops(@TempDir Path dir) throws Exception {
        List<Long> wakeUps = wakeUpsPerLoop(dir, List.of("-Dbaetyl.hub.loopFill=0"));
        assertThat(wakeUps).hasSize(2).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(MESSAGES / 4));
    }

    /**
     * Voluntary context switches of each hub-io thread while MESSAGES QoS 0 messages go across, one at a time, the
     * most first.
     */
    private static List<Long> wakeUpsPerLoop(Path dir, List<String> flags) throws Exception {
        List<String> options = new ArrayList<>(List.of("-Xmx128m", "-Dbaetyl.hub.eventLoops=2"));
        options.addAll(flags);
        try (HubProcess hub = new HubProcess(dir, "").start(options)) {
            MqttConnectOptions login = new MqttConnectOptions();
            login.setUserName("u1");
            login.setPassword("p1".toCharArray());
            MqttClient sub = new MqttClient(hub.url(), "lp-sub", new MemoryPersistence());
            MqttClient pub = new MqttClient(hub.url(), "lp-pub", new MemoryPersistence());
            try {
                Semaphore received = new Semaphore(0);
                sub.connect(login);
                sub.subscribe("lp/t", 0, (topic, m) -> received.release());
                pub.connect(login);
                // one round first, so that what is counted is the exchange, not connecting and subscribing
                pub.publish("lp/t", new byte[] {1}, 0, false);
                assertThat(received.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
                Map<String, Long> before = ioThreadSwitches(hub.process.pid());
                for (int i = 0; i < MESSAGES; i++) {
                    pub.publish("lp/t", new byte[] {1}, 0, false);
                    assertThat(received.tryAcquire(30, TimeUnit.SECONDS)).as("message %d arrived", i).isTrue();
                }
                Map<String, Long> after = ioThreadSwitches(hub.process.pid());
                List<Long> delta = new ArrayList<>();
                after.forEach((thread, n) -> delta.add(n - before.getOrDefault(thread, 0L)));
                delta.sort(Comparator.reverseOrder());
                return delta;
            } finally {
                pub.disconnectForcibly(100, 100);
                sub.disconnectForcibly(100, 100);
                pub.close();
                sub.close();
            }
        }
    }

    /** voluntary_ctxt_switches of each of the process's hub-io threads, by thread id. */
    private static Map<String, Long> ioThreadSwitches(long pid) throws IOException {
        Map<String, Long> out = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                if (!Files.readString(task.resolve("comm")).startsWith("hub-io")) {
                    continue;
                }
                for (String line : Files.readAllLines(task.resolve("status"))) {
                    if (line.startsWith("voluntary_ctxt_switches:")) {
                        out.put(task.getFileName().toString(), Long.parseLong(line.replaceAll("[^0-9]", "")));
                    }
                }
            }
        }
        return out;
    }
}
