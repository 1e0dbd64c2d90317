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
        int qos = bench.intOpt("qos", 0);
        int publishers = bench.intOpt("publishers", 16);
        int subscribers = bench.intOpt("subscribers", 4);
        int count = bench.intOpt("count", 20_000);
        int size = bench.intOpt("size", 100);
        // 16 publishers x 500 = 8,000 messages on their way to each subscriber: within the hub's QoS 0 queue of one
        // session (message.egress.qos0.buffer.size, 10,000 as in Baetyl), so QoS 0 measures delivery, not drops at
        // that bound (with 1,000 the hub dropped 6 %)
        int window = bench.intOpt("window", 500);
        long expected = (long) publishers * count * subscribers;
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
        long got = delivered.get();
        long due = sent.get() * subscribers;
        double secs = (Math.max(lastArrival.get(), t0 + 1) - t0) / 1e9;
        System.out.println("mode=manytomany");
        System.out.println("qos=" + qos);
        System.out.println("publishers=" + publishers);
        System.out.println("subscribers=" + subscribers);
        System.out.println("payload_bytes=" + size);
        System.out.println("sent=" + sent.get());
        System.out.println("delivered=" + got);
        System.out.printf("loss_percent=%.4f%n", 100.0 * (due - Math.min(got, due)) / Math.max(1, due));
        System.out.printf("seconds=%.3f%n", secs);
        System.out.printf("delivered_per_second=%.0f%n", got / secs);
        if (cpu0 != null && cpu1 != null) {
            double cpuSecs = (cpu1[0] - cpu0[0]) / 100.0;
            System.out.printf("broker_cpu_seconds=%.2f%n", cpuSecs);
            System.out.printf("broker_cpu_us_per_delivered=%.2f%n", cpuSecs * 1e6 / Math.max(1, got));
        }
        bench.rss();
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
