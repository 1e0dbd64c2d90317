package io.baetyl.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;

/** N publishers → 1 subscriber, as fast as the publishers go; counts what arrives. */
final class FanIn {
    private final Bench bench;

    FanIn(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int qos = bench.intOpt("qos", 0);
        int publishers = bench.intOpt("publishers", 4);
        int count = bench.intOpt("count", 100_000);
        int size = bench.intOpt("size", 100);
        int window = bench.intOpt("window", qos == 0 ? 1000 : 500);
        String topic = "bench/fanin";
        long total = (long) count * publishers;
        AtomicLong received = new AtomicLong();
        AtomicLong lastArrival = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        MqttAsyncClient sub = bench.client("bench-sub-" + ProcessHandle.current().pid(), new Bench.Receiver() {
            @Override
            public void messageArrived(String t, MqttMessage m) {
                lastArrival.set(System.nanoTime());
                if (received.incrementAndGet() == total) {
                    done.countDown();
                }
            }
        });
        sub.subscribe(topic, qos).waitForCompletion(10_000);
        List<MqttAsyncClient> pubs = new ArrayList<>();
        for (int i = 0; i < publishers; i++) {
            pubs.add(bench.client("bench-pub-" + i + "-" + ProcessHandle.current().pid(), null));
        }
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        long[] cpu0 = bench.cpu();
        long t0 = System.nanoTime();
        long deadline = System.currentTimeMillis() + bench.timeoutMillis;
        List<Thread> threads = new ArrayList<>();
        AtomicLong sent = new AtomicLong();
        for (MqttAsyncClient p : pubs) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < count && System.currentTimeMillis() < deadline; i++) {
                        // keep at most `window` messages between publish and arrival, so QoS 0 is measured lossless
                        while (sent.get() - received.get() > (long) window * publishers && System.currentTimeMillis() < deadline) {
                            Thread.onSpinWait();
                        }
                        Bench.publish(p, topic, payload, qos);
                        sent.incrementAndGet();
                    }
                } catch (Exception e) {
                    System.err.println("publisher failed: " + e);
                }
            });
            t.start();
            threads.add(t);
        }
        Bench.awaitArrivals(threads, done, deadline, qos);
        long[] cpu1 = bench.cpu();
        long got = received.get();
        double secs = (Math.max(lastArrival.get(), t0 + 1) - t0) / 1e9;
        System.out.println("mode=fanin");
        System.out.println("qos=" + qos);
        System.out.println("publishers=" + publishers);
        System.out.println("payload_bytes=" + size);
        System.out.println("sent=" + sent.get());
        System.out.println("received=" + got);
        System.out.printf("loss_percent=%.4f%n", 100.0 * (sent.get() - Math.min(got, sent.get())) / Math.max(1, sent.get()));
        System.out.printf("seconds=%.3f%n", secs);
        System.out.printf("received_per_second=%.0f%n", got / secs);
        Bench.printBrokerCpu(cpu0, cpu1, got, "message");
        bench.rss();
        for (MqttAsyncClient p : pubs) {
            p.disconnectForcibly(100, 100);
            p.close();
        }
        sub.disconnectForcibly(100, 100);
        sub.close();
    }
}
