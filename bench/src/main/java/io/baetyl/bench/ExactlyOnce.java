package io.baetyl.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A QoS 2 stream with sequence numbers from a persistent-session publisher to a persistent-session subscriber,
 * counting what arrives once, twice or never. Both clients reconnect on their own (every 100 ms, with their sessions:
 * Paho keeps its QoS 2 state in the client), so the broker may be killed and restarted mid-stream: with
 * {@code --kill-at N} the line {@code kill_now=N} is printed once N distinct messages arrived, for the caller
 * (bench/hub-qos2-crash.sh) to {@code kill -9} the broker and restart it on its store.
 * <p>
 * Options: --count messages (20000), --size payload bytes (100, at least 4: the sequence number), --inflight the
 * publisher's window (100), --settle ms to wait after the last message for late duplicates (1000), --timeout s.
 * The run ends when every message arrived or at the timeout; {@code lost} counts messages the publisher handed over
 * (Paho accepted them) that never arrived, {@code duplicated} the extra copies of those that arrived more than once.
 */
final class ExactlyOnce {
    private static final int QOS = 2;
    private final Bench bench;
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicLong firstLossAt = new AtomicLong();
    private final AtomicLong reconnectedAt = new AtomicLong();

    ExactlyOnce(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int count = bench.intOpt("count", 20_000);
        int size = Math.max(4, bench.intOpt("size", 100));
        int killAt = bench.intOpt("kill-at", -1);
        int settle = bench.intOpt("settle", 1000);
        long deadline = System.currentTimeMillis() + bench.timeoutMillis;
        String topic = "bench/exactlyonce";
        AtomicIntegerArray arrivals = new AtomicIntegerArray(count);
        AtomicInteger distinct = new AtomicInteger();
        AtomicInteger total = new AtomicInteger();
        AtomicLong lastNew = new AtomicLong();
        AtomicBoolean killSignalled = new AtomicBoolean(killAt < 0);
        long id = ProcessHandle.current().pid();
        MqttConnectOptions options = bench.connectOptions(false);
        options.setMaxInflight(bench.intOpt("inflight", 100));

        MqttAsyncClient sub = new MqttAsyncClient(url(), "bench-eo-sub-" + id, new MemoryPersistence());
        sub.setCallback(new Bench.Receiver() {
            @Override
            public void connectionLost(Throwable cause) {
                lost();
            }

            @Override
            public void messageArrived(String t, MqttMessage m) {
                total.incrementAndGet();
                int seq = ByteBuffer.wrap(m.getPayload()).getInt();
                if (seq < 0 || seq >= count || arrivals.getAndIncrement(seq) > 0) {
                    return;
                }
                lastNew.set(System.nanoTime());
                if (distinct.incrementAndGet() == killAt && killSignalled.compareAndSet(false, true)) {
                    System.out.println("kill_now=" + killAt);
                    System.out.flush();
                }
            }
        });
        sub.connect(options).waitForCompletion(10_000);
        sub.subscribe(topic, QOS).waitForCompletion(10_000);
        MqttAsyncClient pub = new MqttAsyncClient(url(), "bench-eo-pub-" + id, new MemoryPersistence());
        pub.setCallback(new Bench.Receiver() {
            @Override
            public void connectionLost(Throwable cause) {
                lost();
            }

            @Override
            public void messageArrived(String t, MqttMessage m) {
            }
        });
        pub.connect(options).waitForCompletion(10_000);

        AtomicBoolean finished = new AtomicBoolean();
        Thread reconnector = new Thread(() -> reconnect(List.of(sub, pub), options, finished, deadline), "reconnect");
        reconnector.setDaemon(true);
        reconnector.start();

        byte[] payload = new byte[size];
        long t0 = System.nanoTime();
        int handedOver = 0;
        while (handedOver < count && System.currentTimeMillis() < deadline) {
            ByteBuffer.wrap(payload).putInt(handedOver);
            try {
                pub.publish(topic, payload, QOS, false); // accepted: Paho resends it until PUBCOMP, across reconnects
                handedOver++;
            } catch (MqttException e) {
                if (e.getReasonCode() == MqttException.REASON_CODE_MAX_INFLIGHT) {
                    Thread.sleep(0, 200_000);
                } else {
                    Thread.sleep(20); // not connected: the reconnector is at it; the same number is sent again
                }
            }
        }
        while (distinct.get() < handedOver && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(Math.max(0, Math.min(settle, deadline + settle - System.currentTimeMillis())));
        finished.set(true);

        int lostCount = 0;
        long duplicated = 0;
        for (int i = 0; i < count; i++) {
            int n = arrivals.get(i);
            if (n == 0 && i < handedOver) {
                lostCount++;
            }
            duplicated += Math.max(0, n - 1);
        }
        double secs = (Math.max(lastNew.get(), t0 + 1) - t0) / 1e9;
        System.out.println("mode=exactlyonce");
        System.out.println("qos=" + QOS);
        System.out.println("messages=" + count);
        System.out.println("handed_over=" + handedOver);
        System.out.println("received_distinct=" + distinct.get());
        System.out.println("received_total=" + total.get());
        System.out.println("lost=" + lostCount);
        System.out.println("duplicated=" + duplicated);
        System.out.printf("seconds=%.3f%n", secs);
        System.out.printf("received_per_second=%.0f%n", distinct.get() / secs);
        System.out.println("disconnects=" + disconnects.get());
        if (firstLossAt.get() > 0 && reconnectedAt.get() > 0) {
            System.out.printf("outage_seconds=%.3f%n", (reconnectedAt.get() - firstLossAt.get()) / 1e9);
        }
        for (MqttAsyncClient c : List.of(pub, sub)) {
            try {
                if (c.isConnected()) {
                    c.disconnect().waitForCompletion(5000);
                }
            } catch (MqttException e) {
                // the figures are out; a broker that went away at the end changes nothing
            }
            c.close(true);
        }
    }

    private String url() {
        return "tcp://" + bench.host + ":" + bench.port;
    }

    private void lost() {
        disconnects.incrementAndGet();
        firstLossAt.compareAndSet(0, System.nanoTime());
    }

    /** Reconnects whichever client is down, every 100 ms, with the same (persistent) session. */
    private void reconnect(List<MqttAsyncClient> clients, MqttConnectOptions options, AtomicBoolean finished,
            long deadline) {
        while (!finished.get() && System.currentTimeMillis() < deadline) {
            List<MqttAsyncClient> down = new ArrayList<>();
            for (MqttAsyncClient c : clients) {
                if (!c.isConnected()) {
                    down.add(c);
                }
            }
            for (MqttAsyncClient c : down) {
                try {
                    c.connect(options).waitForCompletion(2000);
                } catch (MqttException e) {
                    // the broker is not back yet
                }
            }
            if (!down.isEmpty() && clients.stream().allMatch(MqttAsyncClient::isConnected)) {
                reconnectedAt.set(System.nanoTime());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
