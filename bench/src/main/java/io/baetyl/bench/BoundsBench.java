package io.baetyl.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Fills one of the hub's budgets, for {@code bench/hub-bounds.sh} to measure what it costs in heap and RSS. Every run is
 * bounded by a count and a time limit.
 *
 * <pre>
 * java -cp baetyl-bench-all.jar io.baetyl.bench.BoundsBench retained --port P --count 24576 --size 16 \
 *     --topic-length 64
 * java -cp baetyl-bench-all.jar io.baetyl.bench.BoundsBench qos1     --port P --count 2000 --size 30720
 * java -cp baetyl-bench-all.jar io.baetyl.bench.BoundsBench stuck    --port P --clients 10 --count 2000 --size 30720
 * </pre>
 * {@code retained}: retained QoS 1 messages, each to its own topic of {@code topic-length} characters. {@code qos1}:
 * QoS 1 messages to one topic (up to 100 unacknowledged). {@code stuck}: {@code clients} QoS 0 subscribers that never
 * read, each on its own topic, then {@code count} QoS 0 messages to them in turn (so no two queues share a payload);
 * the subscribers stay connected for {@code hold} seconds (60) so that the queues can be measured. Options:
 * --username/--password (test/hahaha), --timeout seconds (300).
 */
public final class BoundsBench {
    private final Map<String, String> opts;
    private final int port;
    private final long deadline;

    private BoundsBench(Map<String, String> opts) {
        this.opts = opts;
        this.port = Integer.parseInt(opts.getOrDefault("port", "1883"));
        this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(opts.getOrDefault("timeout", "300")));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            opts.put(args[i].substring(2), args[i + 1]);
        }
        BoundsBench b = new BoundsBench(opts);
        switch (args.length == 0 ? "" : args[0]) {
            case "retained" -> b.publish(true);
            case "qos1" -> b.publish(false);
            case "stuck" -> b.stuck();
            default -> {
                System.err.println("usage: BoundsBench retained|qos1|stuck --port P [options]; see the class javadoc");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private int intOpt(String k, int d) {
        return Integer.parseInt(opts.getOrDefault(k, Integer.toString(d)));
    }

    private MqttAsyncClient client(String id) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName(opts.getOrDefault("username", "test"));
        o.setPassword(opts.getOrDefault("password", "hahaha").toCharArray());
        o.setMaxInflight(1000);
        c.connect(o).waitForCompletion(30_000);
        return c;
    }

    private void checkTime() {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("timeout");
        }
    }

    /** QoS 1 publishes with up to 100 unacknowledged; retained ones to a topic each. */
    private void publish(boolean retained) throws Exception {
        int count = intOpt("count", 1000);
        byte[] payload = new byte[intOpt("size", 100)];
        int topicLength = intOpt("topic-length", 32);
        MqttAsyncClient c = client("bounds-pub");
        Semaphore window = new Semaphore(100);
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            checkTime();
            String topic = retained ? topic(i, topicLength) : "bounds/q1";
            window.acquire();
            c.publish(topic, payload, 1, retained, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    window.release();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    window.release();
                }
            });
        }
        if (!window.tryAcquire(100, 120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("publishes not acknowledged");
        }
        System.out.printf("published=%d%nseconds=%.1f%n", count, (System.nanoTime() - t0) / 1e9);
        c.disconnect().waitForCompletion(5000);
        c.close();
    }

    /** A topic of exactly {@code length} characters, distinct per {@code i}. */
    static String topic(int i, int length) {
        String n = "r/" + i + "/";
        StringBuilder sb = new StringBuilder(n);
        while (sb.length() < length) {
            sb.append('x');
        }
        return sb.toString();
    }

    /** Subscribers that never read, then QoS 0 messages for them; holds them open while the hub is measured. */
    private void stuck() throws Exception {
        int clients = intOpt("clients", 10);
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Socket s = new Socket();
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            OutputStream out = s.getOutputStream();
            out.write(connect("stuck-" + i));
            out.write(subscribe("bounds/q0/" + i));
            out.flush();
            sockets.add(s);
        }
        Thread.sleep(500); // the subscriptions are made before the first message; nothing is measured here
        int count = intOpt("count", 1000);
        byte[] payload = new byte[intOpt("size", 100)];
        MqttAsyncClient c = client("bounds-pub0");
        for (int i = 0; i < count; i++) {
            checkTime();
            c.publish("bounds/q0/" + (i % clients), payload, 0, false).waitForCompletion(30_000);
        }
        System.out.printf("published=%d%nready=1%n", count);
        System.out.flush();
        Thread.sleep(TimeUnit.SECONDS.toMillis(intOpt("hold", 60)));
        for (Socket s : sockets) {
            s.close();
        }
        c.disconnect().waitForCompletion(5000);
        c.close();
    }

    private static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 2];
        out[0] = (byte) (b.length >> 8);
        out[1] = (byte) b.length;
        System.arraycopy(b, 0, out, 2, b.length);
        return out;
    }

    private byte[] connect(String id) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(str("MQTT"));
        body.write(new byte[] {4, (byte) 0xC2, 0, 60});
        body.write(str(id));
        body.write(str(opts.getOrDefault("username", "test")));
        body.write(str(opts.getOrDefault("password", "hahaha")));
        return MqttWire.packet(0x10, body.toByteArray());
    }

    private static byte[] subscribe(String filter) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(new byte[] {0, 1});
        body.write(str(filter));
        body.write(0);
        return MqttWire.packet(0x82, body.toByteArray());
    }
}
