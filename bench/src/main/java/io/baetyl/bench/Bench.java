package io.baetyl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * MQTT load generator for any broker host:port. Every run is bounded by a message count and a time limit, and prints
 * one {@code name=value} figure per line.
 *
 * <pre>
 * java -jar baetyl-bench-all.jar fanin   --port 1883 --qos 0 --publishers 4 --count 100000 --size 100 [--pid BROKER_PID]
 * java -jar baetyl-bench-all.jar latency --port 1883 --qos 1 --rate 200 --count 2000 [--warmup 200]
 * java -jar baetyl-bench-all.jar idle    --port 1883 --clients 10000 --hold 10 [--pid BROKER_PID]
 * java -jar baetyl-bench-all.jar manytomany --port 1883 --qos 0 --publishers 16 --subscribers 4 --count 20000 [--pid BROKER_PID] [--client raw]
 * java -jar baetyl-bench-all.jar exactlyonce --port 1883 --count 20000 [--kill-at 5000]
 * </pre>
 * QoS is 0, 1 or 2 in every mode that takes it. {@code fanin} is {@link FanIn}, {@code latency} is {@link Latency},
 * {@code idle} is {@link Idle}, {@code manytomany} is {@link ManyToMany} (Paho clients, the default) or with
 * {@code --client raw} {@link RawManyToMany} (one NIO thread, QoS 0 and 1), {@code exactlyonce} is {@link ExactlyOnce}.
 * Options: --host (127.0.0.1), --username/--password (none), --timeout seconds (60), --pid: the broker's process id,
 * read from /proc for CPU time and RSS.
 */
public final class Bench {
    private final Map<String, String> opts;
    final String host;
    final int port;
    final long timeoutMillis;
    /** The broker's process id (--pid), or null. */
    final Long pid;

    /** The options of a run, as {@link #main} parses them ({@code --k v} as {@code k -> v}); tests build one. */
    Bench(Map<String, String> opts) {
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
            case "fanin" -> new FanIn(b).run();
            case "latency" -> new Latency(b).run();
            case "idle" -> new Idle(b).run();
            case "manytomany" -> {
                switch (b.opts.getOrDefault("client", "paho")) {
                    case "paho" -> new ManyToMany(b).run();
                    case "raw" -> new RawManyToMany(b).run();
                    default -> {
                        System.err.println("--client " + b.opt("client") + ": paho or raw");
                        System.exit(2);
                    }
                }
            }
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

    /** The option {@code --k}, or null. */
    String opt(String k) {
        return opts.get(k);
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

    /** Joins the publisher threads, then waits for the arrivals ({@code done}) within the run's deadline. */
    static void awaitArrivals(List<Thread> publishers, CountDownLatch done, long deadline, int qos)
            throws InterruptedException {
        for (Thread t : publishers) {
            t.join(Math.max(1, deadline - System.currentTimeMillis()));
        }
        // QoS 0 may drop at the limits, so it gets 5 s after the last publish; QoS 1 and 2 must all arrive (a loss is a
        // finding, not a timing artefact), so they get until the --timeout
        long grace = qos == 0 ? 5000 : Long.MAX_VALUE;
        done.await(Math.max(1, Math.min(deadline - System.currentTimeMillis(), grace)), TimeUnit.MILLISECONDS);
        Thread.sleep(qos == 0 ? 200 : 0);
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

    /** utime+stime of the broker in clock ticks (USER_HZ=100 on Linux), or null without --pid. */
    long[] cpu() throws IOException {
        if (pid == null) {
            return null;
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12])};
    }

    /**
     * Prints the broker's CPU time between two {@link #cpu()} samples (clock ticks of 1/100 s) and per unit of work:
     * {@code broker_cpu_seconds} and {@code broker_cpu_us_per_<unit>}. Prints nothing without --pid.
     */
    static void printBrokerCpu(long[] cpu0, long[] cpu1, long count, String unit) {
        if (cpu0 != null && cpu1 != null) {
            double cpuSecs = (cpu1[0] - cpu0[0]) / 100.0;
            System.out.printf("broker_cpu_seconds=%.2f%n", cpuSecs);
            System.out.printf("broker_cpu_us_per_%s=%.2f%n", unit, cpuSecs * 1e6 / Math.max(1, count));
        }
    }

    long rssValue() throws IOException {
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

    void rssAs(String name) throws IOException {
        long v = rssValue();
        if (v >= 0) {
            System.out.println(name + "=" + v);
        }
    }
}
