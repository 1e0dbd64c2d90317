package io.baetyl.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;

/**
 * One publisher at a fixed rate, one subscriber; end-to-end latency percentiles. The first {@code --warmup}
 * messages (default: one second's worth) are sent at the same rate but not counted: without them the percentiles
 * included this JVM's own JIT compilation of the client path, the same stalls at the same message numbers
 * against any broker.
 */
final class Latency {
    private final Bench bench;

    Latency(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int qos = bench.intOpt("qos", 0);
        int rate = bench.intOpt("rate", 200);
        int count = bench.intOpt("count", rate * 10);
        int warmup = bench.intOpt("warmup", rate);
        int total = warmup + count;
        int size = Math.max(8, bench.intOpt("size", 100));
        String topic = "bench/latency";
        AtomicLongArray lat = new AtomicLongArray(count);
        AtomicLong received = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        MqttAsyncClient sub = bench.client("bench-lsub-" + ProcessHandle.current().pid(), new Bench.Receiver() {
            @Override
            public void messageArrived(String t, MqttMessage m) {
                long now = System.nanoTime();
                ByteBuffer b = ByteBuffer.wrap(m.getPayload());
                int idx = b.getInt();
                long sentAt = b.getLong();
                if (idx >= 0 && idx < count) {
                    lat.set(idx, now - sentAt);
                }
                if (received.incrementAndGet() == total) {
                    done.countDown();
                }
            }
        });
        sub.subscribe(topic, qos).waitForCompletion(10_000);
        MqttAsyncClient pub = bench.client("bench-lpub-" + ProcessHandle.current().pid(), null);
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + bench.timeoutMillis;
        int sent = 0;
        for (int i = 0; i < total && System.currentTimeMillis() < deadline; i++) {
            long due = start + i * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                if (wait > 200_000) {
                    Thread.sleep(0, 100_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            ByteBuffer b = ByteBuffer.allocate(size);
            b.putInt(i - warmup).putLong(System.nanoTime()); // warm-up messages carry negative numbers
            Bench.publish(pub, topic, b.array(), qos);
            if (i >= warmup) {
                sent++;
            }
        }
        done.await(Math.max(1, Math.min(deadline - System.currentTimeMillis(), 5000)), TimeUnit.MILLISECONDS);
        long[] values = new long[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (lat.get(i) > 0) {
                values[n++] = lat.get(i);
            }
        }
        Arrays.sort(values, 0, n);
        System.out.println("mode=latency");
        System.out.println("qos=" + qos);
        System.out.println("rate=" + rate);
        System.out.println("warmup=" + warmup);
        System.out.println("sent=" + sent);
        System.out.println("received=" + n);
        if (n > 0) {
            System.out.printf("p50_ms=%.3f%n", values[(int) (n * 0.50)] / 1e6);
            System.out.printf("p90_ms=%.3f%n", values[(int) (n * 0.90)] / 1e6);
            System.out.printf("p99_ms=%.3f%n", values[Math.min(n - 1, (int) (n * 0.99))] / 1e6);
            System.out.printf("max_ms=%.3f%n", values[n - 1] / 1e6);
        }
        if (bench.intOpt("slowest", 0) > 0) {
            // which messages were slow: at the start (warm-up) or spread over the run (stalls)
            Integer[] idx = new Integer[count];
            for (int i = 0; i < count; i++) {
                idx[i] = i;
            }
            Arrays.sort(idx, (a, b) -> Long.compare(lat.get(b), lat.get(a)));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Math.min(count, bench.intOpt("slowest", 0)); i++) {
                sb.append(i == 0 ? "" : " ").append(idx[i]).append(':').append(String.format("%.1f", lat.get(idx[i]) / 1e6));
            }
            System.out.println("slowest_index_ms=" + sb);
        }
        pub.disconnectForcibly(100, 100);
        pub.close();
        sub.disconnectForcibly(100, 100);
        sub.close();
    }
}
