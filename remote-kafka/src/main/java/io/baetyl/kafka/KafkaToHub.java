package io.baetyl.kafka;

import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.util.Backoff;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inbound entry, Kafka to hub: a consumer in its own group on its own thread, publishing each record's value to the
 * hub. Offsets are committed only up to the records the hub has acknowledged (QoS 1: PUBACK; QoS 0: written), so a
 * record is never skipped: what the hub did not take is read again from Kafka (at least once).
 */
final class KafkaToHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaToHub.class);
    /** The hub's limits on topics (baetyl-hub: 255 bytes, 8 '/'). */
    private static final int MAX_TOPIC_BYTES = 255;
    private static final int MAX_TOPIC_SLASHES = 8;

    private final String name;
    private final RemoteKafkaConfig.Inbound in;
    private final Properties props;
    private final Template topic;
    private final Duration ackTimeout;
    final HubSide hub;
    private final Thread thread;
    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 2);
    private volatile Consumer<byte[], byte[]> consumer;
    private volatile boolean closed;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean paused;
    private String problem;

    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong droppedTooLarge = new AtomicLong();
    private final AtomicLong droppedInvalidTopic = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");

    KafkaToHub(int index, RemoteKafkaConfig cfg) {
        this.name = "inbound[" + index + "]";
        this.in = cfg.inbound.get(index);
        this.props = KafkaSettings.consumer(cfg.kafka, cfg.inboundGroup(index), index);
        this.topic = Template.parse(in.hub.topic);
        this.hub = new HubSide(name, cfg.inboundHubClient(index), null, () -> { });
        Duration t = hub.cfg.timeout;
        this.ackTimeout = t.compareTo(Duration.ofSeconds(30)) > 0 || t.isZero() || t.isNegative() ? Duration.ofSeconds(30) : t;
        this.thread = new Thread(this::run, "kafka-inbound-" + index);
        this.thread.setDaemon(true);
    }

    KafkaToHub start() {
        log.info("{}: Kafka topics {} (group {}) -> hub {} topic '{}' QoS {}", name, in.kafka.topics,
                props.getProperty("group.id"), hub.cfg.address, in.hub.topic, in.hub.qos);
        hub.client.start();
        thread.start();
        return this;
    }

    private void run() {
        Consumer<byte[], byte[]> c = null;
        try {
            c = new KafkaConsumer<>(props);
            consumer = c;
            if (closed) {
                return;
            }
            c.subscribe(in.kafka.topics);
            while (!closed) {
                try {
                    ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(500));
                    if (!hubUp(c, records)) {
                        continue;
                    }
                    if (records.isEmpty() || deliver(c, records)) {
                        backoff.reset();
                        solved();
                    } else {
                        sleep(backoff.next());
                    }
                } catch (WakeupException we) {
                    break;
                } catch (KafkaException ke) {
                    if (closed) {
                        break;
                    }
                    problem("Kafka: " + ke.getMessage());
                    sleep(backoff.next());
                }
            }
        } catch (WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("{}: consumer stopped: {}", name, e.toString(), e);
        } finally {
            if (c != null) {
                c.close(Duration.ofSeconds(5));
            }
        }
    }

    /**
     * While the hub is away, the partitions are paused (the consumer keeps its group membership by polling) and
     * whatever a new assignment returned is put back; false then.
     */
    private boolean hubUp(Consumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records) {
        if (hub.client.isConnected()) {
            if (paused) {
                c.resume(c.paused());
                paused = false;
            }
            return true;
        }
        if (!paused) {
            c.pause(c.assignment());
            paused = true;
        }
        for (TopicPartition tp : records.partitions()) {
            c.seek(tp, records.records(tp).get(0).offset());
            c.pause(List.of(tp)); // newly assigned while paused
        }
        return false;
    }

    /** A record on its way to the hub: its offset and the hub's acknowledgement. */
    private record Sent(long offset, CompletableFuture<Void> ack) {
    }

    /**
     * Publishes the records, waits for the hub's acknowledgements, commits per partition up to the first record not
     * acknowledged and seeks back to it. False when some record must be read again.
     */
    private boolean deliver(Consumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, List<Sent>> sent = new LinkedHashMap<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (TopicPartition tp : records.partitions()) {
            List<Sent> list = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                CompletableFuture<Void> ack = publish(r);
                list.add(new Sent(r.offset(), ack));
                all.add(ack);
            }
            sent.put(tp, list);
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // some were not acknowledged: found below, per partition
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        boolean complete = true;
        Throwable firstError = null;
        for (Map.Entry<TopicPartition, List<Sent>> e : sent.entrySet()) {
            long next = -1;
            for (Sent s : e.getValue()) {
                if (s.ack().isDone() && !s.ack().isCompletedExceptionally()) {
                    next = s.offset() + 1;
                    forwarded.incrementAndGet();
                    continue;
                }
                complete = false;
                if (firstError == null) {
                    firstError = s.ack().isDone() ? s.ack().handle((v, t) -> t).join() : null;
                }
                c.seek(e.getKey(), s.offset()); // read again from here; what follows may come twice
                break;
            }
            if (next >= 0) {
                commit.put(e.getKey(), new OffsetAndMetadata(next));
            }
        }
        if (!commit.isEmpty()) {
            try {
                c.commitSync(commit);
                committed.incrementAndGet();
            } catch (KafkaException ke) {
                // e.g. a rebalance took the partitions: the next owner reads them from the last commit (duplicates)
                log.warn("{}: offset commit failed, records may be delivered twice: {}", name, ke.toString());
            }
        }
        if (!complete) {
            publishFailures.incrementAndGet();
            problem("the hub did not acknowledge the publish within " + ackTimeout.toSeconds() + "s"
                    + (firstError == null ? "" : ": " + describe(firstError)) + "; the records are read again from Kafka");
        }
        return complete;
    }

    /** Publishes one record; records the hub must not get are dropped, counted and count as delivered. */
    private CompletableFuture<Void> publish(ConsumerRecord<byte[], byte[]> r) {
        byte[] value = r.value() == null ? new byte[0] : r.value();
        if (value.length > in.hub.message_max.bytes()) {
            droppedTooLarge.incrementAndGet();
            String why = "record dropped: " + r.topic() + "-" + r.partition() + "@" + r.offset() + " has " + value.length
                    + " bytes, more than " + name + ".hub.message_max (" + in.hub.message_max.bytes() + ")";
            lastError.set(why);
            log.error("{}: {}", name, why);
            return CompletableFuture.completedFuture(null);
        }
        String t = hubTopic(r.topic());
        String bad = invalidTopic(t);
        if (bad != null) {
            droppedInvalidTopic.incrementAndGet();
            String why = "record dropped: " + r.topic() + "-" + r.partition() + "@" + r.offset() + " maps to hub topic '"
                    + t + "': " + bad + " (check " + name + ".hub.topic)";
            lastError.set(why);
            log.error("{}: {}", name, why);
            return CompletableFuture.completedFuture(null);
        }
        return hub.client.publish(t, in.hub.qos, value, false);
    }

    String hubTopic(String kafkaTopic) {
        String sep = in.hub.separator == null ? "" : in.hub.separator;
        String mapped = sep.isEmpty() ? kafkaTopic : kafkaTopic.replace(sep, "/");
        return topic.render(n -> mapped);
    }

    /** Why the hub would refuse {@code t} (it closes the connection on such a publish), or null. */
    static String invalidTopic(String t) {
        if (t.isEmpty()) {
            return "empty topic";
        }
        if (t.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
            return "longer than " + MAX_TOPIC_BYTES + " bytes";
        }
        if (t.chars().filter(ch -> ch == '/').count() > MAX_TOPIC_SLASHES) {
            return "more than " + MAX_TOPIC_SLASHES + " '/'";
        }
        if (t.indexOf('+') >= 0 || t.indexOf('#') >= 0 || t.startsWith("$")) {
            return "wildcards and $ topics cannot be published to";
        }
        return null;
    }

    private void problem(String what) {
        lastError.set(what);
        if (!what.equals(problem)) {
            problem = what;
            log.warn("{}: {}", name, what);
        }
    }

    private void solved() {
        if (problem != null) {
            log.info("{}: delivering to the hub again", name);
            problem = null;
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof org.eclipse.paho.client.mqttv3.MqttException me) {
            return HubClient.describe(e) + " (reason " + me.getReasonCode() + ")";
        }
        return HubClient.describe(e);
    }

    /** Waits, unless closing. */
    private void sleep(Duration d) {
        try {
            closing.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    Map<String, Object> stats() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("forwarded", forwarded.get());
        s.put("paused_while_hub_away", paused);
        s.put("commits", committed.get());
        s.put("dropped_too_large", droppedTooLarge.get());
        s.put("dropped_invalid_topic", droppedInvalidTopic.get());
        s.put("publish_failures", publishFailures.get());
        s.put("last_error", lastError.get());
        return s;
    }

    @Override
    public void close() {
        closed = true;
        closing.countDown();
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        hub.client.close();
    }
}
