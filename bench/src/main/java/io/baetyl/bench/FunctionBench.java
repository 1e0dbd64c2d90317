package io.baetyl.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Round trips through a function rule: MQTT in → function manager → runtime → MQTT out. The handler must return
 * its event (the payload is {@code {"seq":n}}), as {@code bench/functions/bench.py} does. Prints one
 * {@code name=value} figure per line.
 *
 * <pre>
 * java -cp baetyl-bench-all.jar io.baetyl.bench.FunctionBench latency    --port P --in bench/echo --rate 200 --count 2000 --warmup 200
 * java -cp baetyl-bench-all.jar io.baetyl.bench.FunctionBench coldstart  --port P --in bench/cold1
 * java -cp baetyl-bench-all.jar io.baetyl.bench.FunctionBench throughput --port P --in bench/sleep10 --count 1000
 * </pre>
 * The output topic is {@code <in>/out}. Options: --host (127.0.0.1), --username/--password (test/hahaha), --timeout
 * seconds (120).
 */
public final class FunctionBench {
    private static final Pattern SEQ = Pattern.compile("\"seq\"\\s*:\\s*(\\d+)");

    private final Map<String, String> opts;
    private final MqttAsyncClient client;
    private final String in;
    private final long timeoutMillis;
    private volatile java.util.function.IntConsumer onSeq = s -> { };

    private FunctionBench(Map<String, String> opts) throws Exception {
        this.opts = opts;
        this.in = opts.getOrDefault("in", "bench/echo");
        this.timeoutMillis = Long.parseLong(opts.getOrDefault("timeout", "120")) * 1000;
        String address = "tcp://" + opts.getOrDefault("host", "127.0.0.1") + ":" + opts.getOrDefault("port", "1883");
        client = new MqttAsyncClient(address, "fbench-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(io.baetyl.sdk.mqtt.NoDelaySockets.plain()); // as brokers do with set_tcp_nodelay
        o.setCleanSession(true);
        o.setUserName(opts.getOrDefault("username", "test"));
        o.setPassword(opts.getOrDefault("password", "hahaha").toCharArray());
        o.setMaxInflight(65535);
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                System.err.println("connection lost: " + cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                Matcher m = SEQ.matcher(new String(message.getPayload(), StandardCharsets.UTF_8));
                if (m.find()) {
                    onSeq.accept(Integer.parseInt(m.group(1)));
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        client.connect(o).waitForCompletion(10_000);
        client.subscribe(in + "/out", 0).waitForCompletion(10_000);
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println("usage: FunctionBench latency|coldstart|throughput [--port P] [--in TOPIC] [options]");
            System.exit(2);
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        FunctionBench b = new FunctionBench(opts);
        try {
            switch (args[0]) {
                case "latency" -> b.latency();
                case "coldstart" -> b.coldstart();
                case "throughput" -> b.throughput();
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } finally {
            b.client.disconnect().waitForCompletion(5000);
            b.client.close();
        }
    }

    private void send(int seq) throws Exception {
        client.publish(in, ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8), 0, false);
    }

    /** Paced sends at --rate msg/s; latency per message from its send to its answer. Warm-up sends are not counted. */
    private void latency() throws Exception {
        int count = Integer.parseInt(opts.getOrDefault("count", "2000"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "200"));
        int rate = Integer.parseInt(opts.getOrDefault("rate", "200"));
        int total = warmup + count;
        long[] sent = new long[total];
        long[] took = new long[total];
        CountDownLatch done = new CountDownLatch(total);
        onSeq = s -> {
            if (s >= 0 && s < total && took[s] == 0) {
                took[s] = System.nanoTime() - sent[s];
                done.countDown();
            }
        };
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                if (wait > 200_000) {
                    Thread.sleep(0, 100_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            sent[i] = System.nanoTime();
            send(i);
        }
        boolean all = done.await(timeoutMillis, TimeUnit.MILLISECONDS);
        long[] measured = Arrays.stream(took, warmup, total).filter(t -> t > 0).sorted().toArray();
        System.out.println("mode=latency rate=" + rate + " count=" + count + " answered=" + measured.length
                + " complete=" + all);
        System.out.printf("p50_ms=%.2f%n", pct(measured, 50));
        System.out.printf("p90_ms=%.2f%n", pct(measured, 90));
        System.out.printf("p99_ms=%.2f%n", pct(measured, 99));
        System.out.printf("max_ms=%.2f%n", measured.length == 0 ? 0 : measured[measured.length - 1] / 1e6);
    }

    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, i)] / 1e6;
    }

    /** One message to a function with no instance: time until its answer. */
    private void coldstart() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        onSeq = s -> done.countDown();
        long t0 = System.nanoTime();
        send(0);
        boolean ok = done.await(timeoutMillis, TimeUnit.MILLISECONDS);
        System.out.printf("mode=coldstart in=%s answered=%s%ncold_ms=%.1f%n", in, ok, (System.nanoTime() - t0) / 1e6);
    }

    /** --count messages at once; messages per second until the last answer. */
    private void throughput() throws Exception {
        int count = Integer.parseInt(opts.getOrDefault("count", "1000"));
        AtomicInteger answered = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(count);
        boolean[] seen = new boolean[count];
        onSeq = s -> {
            synchronized (seen) {
                if (s >= 0 && s < count && !seen[s]) {
                    seen[s] = true;
                    answered.incrementAndGet();
                    done.countDown();
                }
            }
        };
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            send(i);
        }
        boolean ok = done.await(timeoutMillis, TimeUnit.MILLISECONDS);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("mode=throughput in=%s count=%d answered=%d complete=%s%nseconds=%.2f%nmsg_per_s=%.1f%n",
                in, count, answered.get(), ok, secs, answered.get() / secs);
    }
}
