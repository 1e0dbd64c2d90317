package io.baetyl.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;

/**
 * Many publishers to many subscribers (issue 14: 16 → 4). Publisher {@code i} publishes on {@code bench/m2m/i}; every
 * subscriber subscribes to {@code bench/m2m/+}, so each subscriber gets every message and the broker delivers
 * {@code publishers × count × subscribers} messages. Publishers go as fast as a window of messages between publish
 * and arrival allows (so QoS 0 is measured without drops), bounded by --count per publisher and --timeout. A
 * publisher at the window's edge blocks (it does not spin): on a small machine 16 spinning threads would take the
 * cores the broker under test needs.
 * Prints delivered messages per second and, with --pid, the broker's CPU time (utime+stime) per delivered message.
 */
final class ManyToMany {
    private static final int RELEASE_BATCH = 64;

    private final Bench bench;

    ManyToMany(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        ManyToManyLoad load = ManyToManyLoad.from(bench);
        int qos = load.qos();
        int publishers = load.publishers();
        int subscribers = load.subscribers();
        int count = load.count();
        int size = load.size();
        int window = load.window();
        long expected = load.expected();
        AtomicLong delivered = new AtomicLong();
        // in flight (sent but not yet delivered to every subscriber), counted in deliveries: a publish takes one
        // permit per subscriber, each arrival gives one back
        long maxInFlight = (long) window * publishers * subscribers;
        Semaphore inFlight = new Semaphore((int) Math.min(Integer.MAX_VALUE, maxInFlight));
        AtomicLong lastArrival = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        long id = ProcessHandle.current().pid();
        List<MqttAsyncClient> subs = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            MqttAsyncClient sub = bench.client("bench-m2m-sub-" + s + "-" + id, new Bench.Receiver() {
                private int arrived; // on this client's one callback thread

                @Override
                public void messageArrived(String t, MqttMessage m) {
                    lastArrival.set(System.nanoTime());
                    // permits go back in batches: one release per arrival would wake a waiting publisher each time
                    if (++arrived == RELEASE_BATCH) {
                        inFlight.release(arrived);
                        arrived = 0;
                    }
                    if (delivered.incrementAndGet() == expected) {
                        done.countDown();
                    }
                }
            });
            sub.subscribe("bench/m2m/+", qos).waitForCompletion(10_000);
            subs.add(sub);
        }
        List<MqttAsyncClient> pubs = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            pubs.add(bench.client("bench-m2m-pub-" + p + "-" + id, null));
        }
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        AtomicLong sent = new AtomicLong();
        long[] cpu0 = bench.cpu();
        long t0 = System.nanoTime();
        long deadline = System.currentTimeMillis() + bench.timeoutMillis;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            MqttAsyncClient pub = pubs.get(p);
            String topic = "bench/m2m/" + p;
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < count && System.currentTimeMillis() < deadline; i++) {
                        long left = deadline - System.currentTimeMillis();
                        if (left <= 0 || !inFlight.tryAcquire(subscribers, left, TimeUnit.MILLISECONDS)) {
                            break;
                        }
                        Bench.publish(pub, topic, payload, qos);
                        sent.incrementAndGet();
                    }
                } catch (Exception e) {
                    System.err.println("publisher failed: " + e);
                }
            }, "m2m-pub-" + p);
            t.start();
            threads.add(t);
        }
        Bench.awaitArrivals(threads, done, deadline, qos);
        long[] cpu1 = bench.cpu();
        double secs = (Math.max(lastArrival.get(), t0 + 1) - t0) / 1e9;
        load.report(bench, sent.get(), delivered.get(), null, secs, cpu0, cpu1);
        for (MqttAsyncClient c : pubs) {
            c.disconnectForcibly(100, 100);
            c.close();
        }
        for (MqttAsyncClient c : subs) {
            c.disconnectForcibly(100, 100);
            c.close();
        }
    }
}
