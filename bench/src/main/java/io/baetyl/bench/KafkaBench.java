package io.baetyl.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * End to end into Kafka: messages of {@code --size} bytes (sequence number and send time inside) go in, a Kafka consumer
 * in this process reads the topic, and the figures are what arrived: msg/s from the first send to the last arrival,
 * latency p50/p99/max, lost and duplicates. Every run is bounded by {@code --count} and {@code --timeout}.
 *
 * <pre>
 * java -cp baetyl-bench-all.jar io.baetyl.bench.KafkaBench mqtt   --port P --kafka 127.0.0.1:9092 --count 200000 [--rate 10000]
 * java -cp baetyl-bench-all.jar io.baetyl.bench.KafkaBench direct --kafka 127.0.0.1:9092 --count 200000 [--rate 10000]
 * </pre>
 * {@code mqtt}: QoS 1 publishes to the hub on {@code --mqtt-topic}/{@code <n mod keys>} (the bridge forwards them to
 * {@code --topic}), at most {@code --inflight} (1000) unacknowledged. {@code direct}: the same records straight into
 * Kafka with an idempotent producer, acks=all: the ceiling the bridge is measured against. Options: --topic (bench),
 * --partitions (4, when the topic is created), --keys (4), --rate msg/s (0: as fast as acknowledged), --timeout seconds
 * for everything to arrive after the last send (120), --username/--password (test/hahaha).
 */
public final class KafkaBench {
    private final Map<String, String> opts;
    private final String kafka;
    private final String topic;
    private final int count;
    private final int size;
    private final int keys;
    private final int rate;
    private final long timeoutMillis;
    private final long[] sentAt;
    private final long[] latency;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private volatile long lastArrival;

    private KafkaBench(Map<String, String> opts) {
        this.opts = opts;
        kafka = opts.getOrDefault("kafka", "127.0.0.1:9092");
        topic = opts.getOrDefault("topic", "bench");
        count = Integer.parseInt(opts.getOrDefault("count", "100000"));
        size = Math.max(16, Integer.parseInt(opts.getOrDefault("size", "100")));
        keys = Integer.parseInt(opts.getOrDefault("keys", "4"));
        rate = Integer.parseInt(opts.getOrDefault("rate", "0"));
        timeoutMillis = Long.parseLong(opts.getOrDefault("timeout", "120")) * 1000;
        sentAt = new long[count];
        latency = new long[count];
        Arrays.fill(latency, -1);
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !(args[0].equals("mqtt") || args[0].equals("direct"))) {
            System.err.println("usage: KafkaBench mqtt|direct [--port P] [--kafka host:port] [options]; see the class javadoc");
            System.exit(2);
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        System.exit(new KafkaBench(opts).run(args[0]));
    }

    private int run(String mode) throws Exception {
        createTopic();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            Thread reader = new Thread(() -> read(consumer), "reader");
            reader.setDaemon(true);
            long start = System.nanoTime();
            reader.start();
            long sendStart = System.nanoTime();
            if (mode.equals("mqtt")) {
                publishMqtt();
            } else {
                produceDirect();
            }
            long sendEnd = System.nanoTime();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (received.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(500); // late duplicates show too
            reader.interrupt();
            reader.join(5000);
            long end = lastArrival;
            long[] l = Arrays.stream(latency).filter(v -> v >= 0).sorted().toArray();
            long lost = count - l.length;
            System.out.printf("mode=%s%n", mode);
            System.out.printf("count=%d size=%d keys=%d rate=%s%n", count, size, keys, rate == 0 ? "max" : rate);
            System.out.printf("send_msg_per_s=%.0f%n", count / ((sendEnd - sendStart) / 1e9));
            System.out.printf("end_to_end_msg_per_s=%.0f%n", l.length / ((end - sendStart) / 1e9));
            if (l.length > 0) {
                System.out.printf("latency_ms p50=%.2f p99=%.2f p999=%.2f max=%.2f%n", ms(l, 0.50), ms(l, 0.99), ms(l, 0.999),
                        l[l.length - 1] / 1e6);
            }
            System.out.printf("lost=%d duplicates=%d%n", lost, duplicates.get());
            System.out.printf("elapsed_s=%.1f%n", (System.nanoTime() - start) / 1e9);
            return lost == 0 ? 0 : 1;
        }
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    private void createTopic() throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        try (Admin admin = Admin.create(p)) {
            int partitions = Integer.parseInt(opts.getOrDefault("partitions", "4"));
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** Reads every partition from its current end, so only this run's records count. */
    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("fetch.max.wait.ms", "10");
        p.put("max.poll.records", "5000");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(60))) {
            tps.add(new TopicPartition(topic, pi.partition()));
        }
        c.assign(tps);
        c.seekToEnd(tps);
        tps.forEach(c::position); // resolve the end offsets now, before anything is sent
        return c;
    }

    private void read(KafkaConsumer<byte[], byte[]> c) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    ByteBuffer b = ByteBuffer.wrap(r.value());
                    if (r.value().length < 16) {
                        continue;
                    }
                    int seq = (int) b.getLong();
                    if (seq < 0 || seq >= count) {
                        continue;
                    }
                    if (latency[seq] >= 0) {
                        duplicates.incrementAndGet();
                        continue;
                    }
                    latency[seq] = now - sentAt[seq];
                    received.incrementAndGet();
                    lastArrival = now;
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException | org.apache.kafka.common.errors.WakeupException e) {
            // done
        }
    }

    private byte[] payload(int seq) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putLong(seq);
        long now = System.nanoTime();
        sentAt[seq] = now;
        b.putLong(now);
        return b.array();
    }

    /** Paces to --rate by sleeping until message i is due. */
    private void pace(int i, long start) throws InterruptedException {
        if (rate <= 0) {
            return;
        }
        long due = start + (long) (i * (1e9 / rate));
        long wait = due - System.nanoTime();
        if (wait > 1_000_000) {
            Thread.sleep(wait / 1_000_000);
        }
    }

    private void publishMqtt() throws Exception {
        String base = opts.getOrDefault("mqtt-topic", "bench");
        MqttAsyncClient c = new MqttAsyncClient("tcp://" + opts.getOrDefault("host", "127.0.0.1") + ":" + opts.get("port"),
                "kafka-bench-pub", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(io.baetyl.sdk.mqtt.NoDelaySockets.plain());
        o.setCleanSession(true);
        int inflight = Integer.parseInt(opts.getOrDefault("inflight", "1000"));
        o.setMaxInflight(inflight);
        o.setUserName(opts.getOrDefault("username", "test"));
        o.setPassword(opts.getOrDefault("password", "hahaha").toCharArray());
        c.connect(o).waitForCompletion(10_000);
        Semaphore window = new Semaphore(inflight);
        IMqttActionListener release = new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken t) {
                window.release();
            }

            @Override
            public void onFailure(IMqttToken t, Throwable e) {
                window.release();
                System.err.println("publish failed: " + e);
            }
        };
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            pace(i, start);
            window.acquire();
            c.publish(base + "/" + (i % keys), payload(i), 1, false, null, release);
        }
        window.acquire(inflight); // every publish acknowledged by the hub
        c.disconnect().waitForCompletion(5000);
        c.close();
    }

    private void produceDirect() throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", opts.getOrDefault("linger", "5"));
        p.put("batch.size", Integer.toString(64 << 10));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                pace(i, start);
                byte[] key = ("bench/" + (i % keys)).getBytes();
                producer.send(new ProducerRecord<>(topic, key, payload(i)));
            }
            producer.flush();
        }
    }
}
