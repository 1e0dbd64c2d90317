package io.baetyl.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * MQTT load generator for any broker host:port. Every run is bounded by a message count and a time limit, and prints
 * one {@code name=value} figure per line.
 *
 * <pre>
 * java -jar baetyl-bench-all.jar fanin   --port 1883 --qos 0 --publishers 4 --count 100000 --size 100 [--pid BROKER_PID]
 * java -jar baetyl-bench-all.jar latency --port 1883 --qos 1 --rate 200 --count 2000 [--warmup 200]
 * java -jar baetyl-bench-all.jar idle    --port 1883 --clients 10000 --hold 10 [--pid BROKER_PID]
 * java -jar baetyl-bench-all.jar manytomany --port 1883 --qos 0 --publishers 16 --subscribers 4 --count 20000 [--pid BROKER_PID]
 * java -jar baetyl-bench-all.jar exactlyonce --port 1883 --count 20000 [--kill-at 5000]
 * </pre>
 * QoS is 0, 1 or 2 in every mode that takes it. {@code manytomany} is {@link ManyToMany}, {@code exactlyonce} is
 * {@link ExactlyOnce}.
 * Options: --host (127.0.0.1), --username/--password (none), --timeout seconds (60), --pid: the broker's process id,
 * read from /proc for CPU time and RSS.
 */
public final class Bench {
    private final Map<String, String> opts;
    final String host;
    final int port;
    final long timeoutMillis;
    private final Long pid;

    private Bench(Map<String, String> opts) {
        this.opts = opts;
        host = opts.getOrDefault("host", "127.0.0.1");
        port = Integer.parseInt(opts.getOrDefault("port", "1883"));
        timeoutMillis = Long.parseLong(opts.getOrDefault("timeout", "60")) * 1000;
        pid = opts.containsKey("pid") ? Long.parseLong(opts.get("pid")) : null;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println("usage: bench fanin|latency|idle [--host H] [--port P] [options]; see the class javadoc");
            System.exit(2);
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("bad option " + args[i]);
                System.exit(2);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        Bench b = new Bench(opts);
        switch (args[0]) {
            case "fanin" -> b.fanIn();
            case "latency" -> b.latency();
            case "idle" -> b.idle();
            case "manytomany" -> new ManyToMany(b).run();
            case "exactlyonce" -> new ExactlyOnce(b).run();
            default -> {
                System.err.println("unknown mode " + args[0]);
                System.exit(2);
            }
        }
        System.exit(0);
    }

    int intOpt(String k, int d) {
        return Integer.parseInt(opts.getOrDefault(k, Integer.toString(d)));
    }

    MqttAsyncClient client(String id, MqttCallback cb) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient("tcp://" + host + ":" + port, id, new MemoryPersistence());
        MqttConnectOptions o = connectOptions(true);
        if (cb != null) {
            c.setCallback(cb);
        }
        c.connect(o).waitForCompletion(10_000);
        return c;
    }

    /** Options of every client: TCP_NODELAY, a large in-flight window, the --username/--password given. */
    MqttConnectOptions connectOptions(boolean cleanSession) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(io.baetyl.sdk.mqtt.NoDelaySockets.plain()); // as brokers do with set_tcp_nodelay
        o.setCleanSession(cleanSession);
        o.setMaxInflight(65535);
        o.setKeepAliveInterval(60);
        if (opts.containsKey("username")) {
            o.setUserName(opts.get("username"));
        }
        if (opts.containsKey("password")) {
            o.setPassword(opts.get("password").toCharArray());
        }
        return o;
    }

    /** Publishes, retrying while the client's own in-flight window is full. */
    static void publish(MqttAsyncClient c, String topic, byte[] payload, int qos) throws MqttException, InterruptedException {
        while (true) {
            try {
                c.publish(topic, payload, qos, false);
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) {
                    throw e;
                }
                Thread.sleep(0, 200_000);
            }
        }
    }

    abstract static class Receiver implements MqttCallback {
        @Override
        public void connectionLost(Throwable cause) {
            System.err.println("subscriber lost connection: " + cause);
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    /** N publishers → 1 subscriber, as fast as the publishers go; counts what arrives. */
    private void fanIn() throws Exception {
        int qos = intOpt("qos", 0);
        int publishers = intOpt("publishers", 4);
        int count = intOpt("count", 100_000);
        int size = intOpt("size", 100);
        int window = intOpt("window", qos == 0 ? 1000 : 500);
        String topic = "bench/fanin";
        long total = (long) count * publishers;
        AtomicLong received = new AtomicLong();
        AtomicLong lastArrival = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        MqttAsyncClient sub = client("bench-sub-" + ProcessHandle.current().pid(), new Receiver() {
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
            pubs.add(client("bench-pub-" + i + "-" + ProcessHandle.current().pid(), null));
        }
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        long[] cpu0 = cpu();
        long t0 = System.nanoTime();
        long deadline = System.currentTimeMillis() + timeoutMillis;
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
                        publish(p, topic, payload, qos);
                        sent.incrementAndGet();
                    }
                } catch (Exception e) {
                    System.err.println("publisher failed: " + e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(Math.max(1, deadline - System.currentTimeMillis()));
        }
        // QoS 0 may drop at the limits, so it gets 5 s after the last publish; QoS 1 and 2 must all arrive (a loss is a
        // finding, not a timing artefact), so they get until the --timeout
        long grace = qos == 0 ? 5000 : Long.MAX_VALUE;
        done.await(Math.max(1, Math.min(deadline - System.currentTimeMillis(), grace)), TimeUnit.MILLISECONDS);
        Thread.sleep(qos == 0 ? 200 : 0);
        long[] cpu1 = cpu();
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
        if (cpu0 != null && cpu1 != null) {
            double cpuSecs = (cpu1[0] - cpu0[0]) / 100.0;
            System.out.printf("broker_cpu_seconds=%.2f%n", cpuSecs);
            System.out.printf("broker_cpu_us_per_message=%.2f%n", cpuSecs * 1e6 / Math.max(1, got));
        }
        rss();
        for (MqttAsyncClient p : pubs) {
            p.disconnectForcibly(100, 100);
            p.close();
        }
        sub.disconnectForcibly(100, 100);
        sub.close();
    }

    /**
     * One publisher at a fixed rate, one subscriber; end-to-end latency percentiles. The first {@code --warmup}
     * messages (default: one second's worth) are sent at the same rate but not counted: without them the percentiles
     * included this JVM's own JIT compilation of the client path, the same stalls at the same message numbers
     * against any broker.
     */
    private void latency() throws Exception {
        int qos = intOpt("qos", 0);
        int rate = intOpt("rate", 200);
        int count = intOpt("count", rate * 10);
        int warmup = intOpt("warmup", rate);
        int total = warmup + count;
        int size = Math.max(8, intOpt("size", 100));
        String topic = "bench/latency";
        AtomicLongArray lat = new AtomicLongArray(count);
        AtomicLong received = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        MqttAsyncClient sub = client("bench-lsub-" + ProcessHandle.current().pid(), new Receiver() {
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
        MqttAsyncClient pub = client("bench-lpub-" + ProcessHandle.current().pid(), null);
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + timeoutMillis;
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
            publish(pub, topic, b.array(), qos);
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
        if (intOpt("slowest", 0) > 0) {
            // which messages were slow: at the start (warm-up) or spread over the run (stalls)
            Integer[] idx = new Integer[count];
            for (int i = 0; i < count; i++) {
                idx[i] = i;
            }
            Arrays.sort(idx, (a, b) -> Long.compare(lat.get(b), lat.get(a)));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Math.min(count, intOpt("slowest", 0)); i++) {
                sb.append(i == 0 ? "" : " ").append(idx[i]).append(':').append(String.format("%.1f", lat.get(idx[i]) / 1e6));
            }
            System.out.println("slowest_index_ms=" + sb);
        }
        pub.disconnectForcibly(100, 100);
        pub.close();
        sub.disconnectForcibly(100, 100);
        sub.close();
    }

    /** Opens N idle MQTT connections (keep-alive 0) with plain sockets, holds them, reports the broker's RSS. */
    private void idle() throws Exception {
        int clients = intOpt("clients", 1000);
        int hold = intOpt("hold", 5);
        long deadline = System.currentTimeMillis() + timeoutMillis;
        rssAs("broker_rss_kb_before");
        List<SocketChannel> open = new ArrayList<>();
        int failed = 0;
        for (int i = 0; i < clients && System.currentTimeMillis() < deadline; i++) {
            try {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
                ch.write(ByteBuffer.wrap(connectPacket("idle-" + i + "-" + ProcessHandle.current().pid())));
                ByteBuffer ack = ByteBuffer.allocate(4);
                ch.socket().setSoTimeout(5000);
                InputStream in = ch.socket().getInputStream();
                byte[] a = in.readNBytes(4);
                if (a.length == 4 && a[0] == 0x20 && a[3] == 0) {
                    open.add(ch);
                } else {
                    failed++;
                    ch.close();
                }
            } catch (IOException e) {
                failed++;
            }
        }
        Thread.sleep(hold * 1000L);
        System.out.println("mode=idle");
        System.out.println("connected=" + open.size());
        System.out.println("failed=" + failed);
        long before = rssValue();
        rssAs("broker_rss_kb");
        int still = 0;
        for (SocketChannel ch : open) {
            if (ch.isOpen() && ch.isConnected()) {
                still++;
            }
            ch.close();
        }
        System.out.println("still_open=" + still);
        if (before > 0 && pid != null) {
            System.out.println("note=compare broker_rss_kb with broker_rss_kb_before for the per-connection cost");
        }
    }

    private byte[] connectPacket(String id) {
        byte[] proto = {0, 4, 'M', 'Q', 'T', 'T', 4};
        String user = opts.get("username");
        String pass = opts.get("password");
        int flags = 0x02 | (user != null ? 0x80 : 0) | (pass != null ? 0x40 : 0);
        ByteBuffer body = ByteBuffer.allocate(512);
        body.put(proto).put((byte) flags).putShort((short) 0);
        putStr(body, id);
        if (user != null) {
            putStr(body, user);
        }
        if (pass != null) {
            putStr(body, pass);
        }
        body.flip();
        ByteBuffer out = ByteBuffer.allocate(body.remaining() + 2);
        out.put((byte) 0x10).put((byte) body.remaining()).put(body);
        return out.array();
    }

    private static void putStr(ByteBuffer b, String s) {
        byte[] d = s.getBytes(StandardCharsets.UTF_8);
        b.putShort((short) d.length).put(d);
    }

    /** utime+stime of the broker in clock ticks (USER_HZ=100 on Linux), or null without --pid. */
    long[] cpu() throws IOException {
        if (pid == null) {
            return null;
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12])};
    }

    private long rssValue() throws IOException {
        if (pid == null) {
            return -1;
        }
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    void rss() throws IOException {
        rssAs("broker_rss_kb");
    }

    private void rssAs(String name) throws IOException {
        long v = rssValue();
        if (v >= 0) {
            System.out.println(name + "=" + v);
        }
    }
}
