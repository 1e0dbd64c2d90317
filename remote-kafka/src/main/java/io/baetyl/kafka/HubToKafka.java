package io.baetyl.kafka;

import io.baetyl.sdk.mqtt.MqttMessage;
import io.baetyl.sdk.util.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rule, hub to Kafka: a persistent session on the hub subscribed to the rule's filters, and one sender thread that
 * hands the messages, in the order the hub delivered them, to the shared idempotent producer.
 *
 * <p>A QoS 1 message is acknowledged (PUBACK) to the hub only when Kafka has acknowledged the record with acks=all.
 * Until then the hub keeps it in its QoS 1 log and redelivers it after a reconnect, so while Kafka is away the hub's
 * session is the buffer: the bridge holds no more than the hub's in-flight window of messages, and none only in memory.
 * The producer itself retries a record it has accepted until Kafka takes it (idempotent, so in order per partition
 * and without duplicates inside one producer session). A send the producer refuses up front (no metadata: Kafka down,
 * or the topic missing) is tried again, the message keeping its place at the head of the queue, so the order per key
 * holds across outages. A message Kafka can never take (larger than max.request.size) is logged, dropped, counted and
 * acknowledged, not retried forever.
 *
 * <p>A message that finds the rule's queue empty and Kafka taking sends is handed to the producer on the thread that
 * received it (no wake-up of the sender thread per message); the sender thread takes over while messages queue up or
 * sends must be retried. The send lock keeps one sender at a time, so the order stays the hub's.
 *
 * <p>Kafka completes records in bursts: the PUBACKs are written together by the rule's {@link HubAcker} thread.
 */
final class HubToKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubToKafka.class);
    /** Queue bytes per message besides payload and topic. */
    private static final int OVERHEAD = 64;
    private static final long EXPLAIN_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    private final String name;
    private final RemoteKafkaConfig.Rule rule;
    private final Producer<byte[], byte[]> producer;
    private final KafkaProblems problems;
    private final RecordMapper mapper;
    final HubSide hub;
    private final BoundedQueue<Entry> queue;
    /** QoS 1 messages of the current hub connection not yet acknowledged, by packet id. */
    private final Map<Integer, Entry> pending = new ConcurrentHashMap<>();
    /** Counts hub connections: a delivery can only be acknowledged on the connection it came on. */
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final Thread sender;
    private final HubAcker acker;
    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 2);
    private volatile boolean closed;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    /** A failure the producer reported while still inside send(), for the sender thread to handle. */
    private volatile Exception syncFailure;
    private volatile Entry sending;
    private volatile Thread sendingThread;
    /** Held while a message is handed to the producer: by the sender thread, or by the hub's callback thread. */
    private final java.util.concurrent.locks.ReentrantLock sendLock = new java.util.concurrent.locks.ReentrantLock();
    /** Why sending stalls, while it does; logged when its summary changes. */
    private volatile KafkaProblems.Problem stall;
    private long stallExplainedAt;
    private volatile boolean waitingReported;

    private final HubToKafkaCounters counters = new HubToKafkaCounters();

    /** A message from the hub on its way to Kafka. */
    record Entry(MqttMessage message, long epoch, long receivedAt, long receivedNanos) {
        long size() {
            return (long) message.payload().length + message.topic().length() + OVERHEAD;
        }
    }

    HubToKafka(int index, RemoteKafkaConfig cfg, Producer<byte[], byte[]> producer, KafkaProblems problems) {
        this.name = "rules[" + index + "]";
        this.rule = cfg.rules.get(index);
        this.producer = producer;
        this.problems = problems;
        this.mapper = new RecordMapper(rule);
        this.queue = new BoundedQueue<>(rule.buffer.count, rule.buffer.size.bytes());
        this.hub = new HubSide(name, cfg.ruleHubClient(index), this::onMessage, this::hubLost);
        this.sender = new Thread(this::sendLoop, "kafka-send-" + index);
        this.sender.setDaemon(true);
        this.acker = new HubAcker(index, name, hub.client, pending, epoch, counters);
    }

    HubToKafka start() {
        for (var s : rule.hub.subscriptions) {
            if (s.qos == 2) {
                log.info("{}: '{}' asked with QoS 2 is subscribed with QoS 1: the hub grants at most QoS 1, and Kafka "
                        + "receives every message at least once either way", name, s.topic);
            }
        }
        log.info("{}: hub {} (clientid={}) {} -> Kafka topic '{}'", name, hub.cfg.address, hub.cfg.clientid,
                rule.hub.subscriptions.stream().map(s -> s.topic).toList(), rule.kafka.topic);
        sender.start();
        acker.start();
        hub.client.start();
        return this;
    }

    /** Paho's callback thread: queue the message; waits only while the rule's buffer is full (QoS 1). */
    private void onMessage(MqttMessage m) {
        if (closed) {
            return; // not acknowledged: the persistent session redelivers it to the next run
        }
        if (m.qos() > 0 && pending.containsKey(m.id())) {
            counters.duplicates.incrementAndGet(); // the hub resent one still on its way to Kafka: that one will be acked
            return;
        }
        Entry e = new Entry(m, epoch.get(), System.currentTimeMillis(), System.nanoTime());
        if (m.qos() == 0) {
            if (!queue.offer(e, e.size())) {
                counters.droppedQos0.incrementAndGet(); // at most once: not kept when the buffer is full
            }
            return;
        }
        pending.put(m.id(), e);
        if (sendNow(e)) {
            return;
        }
        // Waiting here stops reading from the hub, which keeps the rest in its log: back pressure, not loss.
        if (!queue.put(e, e.size(), () -> closed)) {
            pending.remove(m.id(), e);
        }
    }

    /**
     * Hands {@code e} to the producer on this thread when nothing waits before it and Kafka takes sends; false when it
     * must go through the queue instead. Only this thread adds to the queue, so an empty queue under the send lock
     * means no earlier message is still to be sent.
     */
    private boolean sendNow(Entry e) {
        if (stall != null || queue.size() > 0 || !sendLock.tryLock()) {
            return false;
        }
        try {
            return queue.size() == 0 && !closed && trySend(e);
        } finally {
            sendLock.unlock();
        }
    }

    /** The hub connection is gone: what it delivered and we did not acknowledge, it delivers again. */
    private void hubLost() {
        epoch.incrementAndGet();
        pending.clear();
    }

    private void sendLoop() {
        while (!closed) {
            Entry e;
            try {
                e = queue.peek(500);
            } catch (InterruptedException ie) {
                break;
            }
            if (e == null) {
                continue;
            }
            boolean sent;
            sendLock.lock();
            try {
                if (e.message().qos() > 0 && e.epoch() != epoch.get() && !hub.cfg.cleansession) {
                    // Its connection ended: the hub redelivers it on the new one, where it can be acknowledged.
                    counters.staleSkipped.incrementAndGet();
                    queue.removeHead();
                    continue;
                }
                sent = trySend(e);
                if (sent) {
                    queue.removeHead();
                }
            } finally {
                sendLock.unlock();
            }
            if (!sent && !closed) {
                sleep(backoff.next());
            }
        }
    }

    /** Hands {@code e} to the producer; false when it must be tried again (it stays at the head). */
    private boolean trySend(Entry e) {
        String topic = null;
        try {
            topic = mapper.topicOf(e.message().topic());
            Integer partition = null;
            if (rule.kafka.partitioning == RemoteKafkaConfig.Partitioning.ROUND_ROBIN) {
                List<PartitionInfo> parts = producer.partitionsFor(topic); // waits for metadata up to max_block
                partition = Math.floorMod(roundRobin.getAndIncrement(), parts.size());
            }
            ProducerRecord<byte[], byte[]> record = mapper.map(e.message(), e.receivedAt(), partition);
            syncFailure = null;
            sendingThread = Thread.currentThread();
            sending = e;
            try {
                producer.send(record, (md, ex) -> completed(e, md, ex));
            } finally {
                sending = null;
            }
            Exception sf = syncFailure;
            if (sf == null) {
                sent();
                return true;
            }
            return failedUpFront(e, topic, sf);
        } catch (RecordMapper.MappingException me) {
            counters.droppedInvalid.incrementAndGet();
            counters.lastError.set(me.getMessage());
            log.warn("{}: message dropped: {}", name, me.getMessage());
            acker.ack(e);
            return true;
        } catch (KafkaException ke) {
            if (closed) {
                return false;
            }
            return failedUpFront(e, topic, ke);
        }
    }

    /** The producer refused the record inside send(): drop it for good, or keep it at the head and retry. */
    private boolean failedUpFront(Entry e, String topic, Exception ex) {
        if (KafkaProblems.isPermanent(ex)) {
            drop(e, topic, ex);
            return true;
        }
        counters.sendRetries.incrementAndGet();
        // Asking the cluster what is wrong costs seconds: do it when the stall starts and then twice a minute.
        long now = System.nanoTime();
        if (stall == null || now - stallExplainedAt > EXPLAIN_EVERY_NANOS) {
            KafkaProblems.Problem p = problems.explain(topic, ex, name);
            stallExplainedAt = now;
            if (stall == null || !p.summary().equals(stall.summary())) {
                log.error("{}: cannot send to Kafka: {}. The message stays unacknowledged in the hub ({} waiting) and is "
                        + "sent again every few seconds", name, p, pending.size());
            }
            stall = p;
            counters.lastError.set(p.toString());
        }
        return false;
    }

    private void sent() {
        backoff.reset();
        if (stall != null) {
            log.info("{}: sending to Kafka again", name);
            stall = null;
        }
    }

    /** The producer's callback: on its I/O thread, or inside send() for a record it refused up front. */
    private void completed(Entry e, RecordMetadata md, Exception ex) {
        if (ex != null && sending == e && Thread.currentThread() == sendingThread) {
            syncFailure = ex;
            return;
        }
        if (ex == null) {
            long took = System.nanoTime() - e.receivedNanos();
            counters.ackNanosSum.addAndGet(took);
            counters.ackNanosMax.accumulateAndGet(took, Math::max);
            counters.forwarded.incrementAndGet();
            acker.ack(e);
        } else if (KafkaProblems.isPermanent(ex)) {
            drop(e, md == null ? null : md.topic(), ex);
        } else if (!closed) {
            // Not expected with endless delivery retries (e.g. authorization revoked): the hub sends it again.
            counters.notAcknowledged.incrementAndGet();
            counters.lastError.set(String.valueOf(ex));
            log.warn("{}: Kafka did not take a message (topic {}): {}; left unacknowledged for the hub to send again",
                    name, e.message().topic(), ex.toString());
            pending.remove(e.message().id(), e);
        }
    }

    private void drop(Entry e, String topic, Exception ex) {
        if (KafkaProblems.isTooLarge(ex)) {
            counters.droppedTooLarge.incrementAndGet();
        } else {
            counters.droppedInvalid.incrementAndGet();
        }
        KafkaProblems.Problem reason = problems.explain(topic, ex, name);
        counters.lastError.set(reason.toString());
        log.error("{}: message dropped (MQTT topic '{}', {} bytes): {}", name, e.message().topic(),
                e.message().payload().length, reason);
        acker.ack(e); // Kafka will never take it: keeping it in the hub would block the rule forever
    }

    /**
     * Logs once per episode when QoS 1 messages have waited for Kafka longer than {@code limit} (Kafka down or slow: the
     * producer retries them by itself), and when they flow again. Called periodically.
     */
    void checkWaiting(Duration limit) {
        long now = System.nanoTime();
        long oldest = 0;
        for (Entry e : pending.values()) {
            oldest = Math.max(oldest, now - e.receivedNanos());
        }
        boolean late = oldest > limit.toNanos();
        if (late && !waitingReported) {
            waitingReported = true;
            log.warn("{}: {} messages have waited up to {}s for Kafka to acknowledge them (Kafka down or slow); they stay "
                    + "unacknowledged in the hub until it does", name, pending.size(), Duration.ofNanos(oldest).toSeconds());
        } else if (!late && waitingReported) {
            waitingReported = false;
            log.info("{}: Kafka acknowledges messages again", name);
        }
    }

    /** Waits, unless closing. */
    private void sleep(Duration d) {
        try {
            closing.await(d.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    Map<String, Object> stats() {
        return counters.stats(pending.size(), queue);
    }

    /** Stops taking messages and sending; acknowledgements of records already with Kafka still go out until closeHub. */
    void stopSending() {
        closed = true;
        closing.countDown();
        try {
            sender.join(10_000); // at most a send waiting for metadata (max_block)
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    void closeHub() {
        acker.stop();
        hub.client.close();
    }

    @Override
    public void close() {
        stopSending();
        closeHub();
    }
}
