package io.baetyl.kafka;

import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.mqtt.MqttMessage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acker thread of one {@link HubToKafka} rule. Kafka completes records in bursts (all the records of one produce
 * response, on its I/O thread). The callbacks only queue the acknowledgements; this thread takes what has come and
 * writes the PUBACKs together, so a burst costs one write to the hub (and the hub one read and one refill of its
 * window) instead of one per message.
 */
final class HubAcker {
    /** {@link HubToKafka}'s logger: these lines are the rule's, and users filter them by its name. */
    private static final Logger log = LoggerFactory.getLogger(HubToKafka.class);

    private final String name;
    private final HubClient hub;
    /** The rule's QoS 1 messages of the current hub connection not yet acknowledged, by packet id. */
    private final Map<Integer, HubToKafka.Entry> pending;
    /** The rule's count of hub connections: a delivery can only be acknowledged on the connection it came on. */
    private final AtomicLong epoch;
    private final HubToKafkaCounters counters;
    /** Messages Kafka has (or will never take), waiting for their PUBACK; filled by the producer's callbacks. */
    private final java.util.concurrent.ConcurrentLinkedQueue<HubToKafka.Entry> toAck = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Thread acker;
    private volatile boolean ackerParked;
    private volatile boolean ackerStop;

    HubAcker(int index, String name, HubClient hub, Map<Integer, HubToKafka.Entry> pending, AtomicLong epoch,
            HubToKafkaCounters counters) {
        this.name = name;
        this.hub = hub;
        this.pending = pending;
        this.epoch = epoch;
        this.counters = counters;
        this.acker = new Thread(this::ackLoop, "kafka-ack-" + index);
        this.acker.setDaemon(true);
    }

    void start() {
        acker.start();
    }

    /** Queues {@code e}'s PUBACK for the acker thread (any thread). */
    void ack(HubToKafka.Entry e) {
        if (e.message().qos() == 0) {
            return;
        }
        toAck.add(e);
        if (ackerParked) {
            java.util.concurrent.locks.LockSupport.unpark(acker);
        }
    }

    /** The acker thread: writes the PUBACKs of what has come since its last round together, in that order. */
    private void ackLoop() {
        List<MqttMessage> batch = new java.util.ArrayList<>();
        while (!ackerStop) {
            boolean wrote;
            try {
                wrote = writeAcks(batch);
            } catch (RuntimeException ex) {
                // Not expected; the thread must live on, or nothing would be acknowledged any more. Those messages
                // stay unacknowledged and come again after the next reconnect.
                log.error("{}: writing acknowledgements to the hub failed: {}", name, ex.toString(), ex);
                wrote = false;
            }
            if (!wrote) {
                ackerParked = true;
                if (toAck.isEmpty() && !ackerStop) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                }
                ackerParked = false;
            }
        }
        try {
            writeAcks(batch); // what came until the stop
        } catch (RuntimeException ex) {
            log.warn("{}: writing the last acknowledgements failed: {}", name, ex.toString());
        }
    }

    /** Writes the queued PUBACKs (at most the hub client's window at a time); false when there were none. */
    private boolean writeAcks(List<MqttMessage> batch) {
        batch.clear();
        long current = epoch.get();
        HubToKafka.Entry e;
        int taken = 0;
        while (taken < 1000 && (e = toAck.poll()) != null) {
            taken++;
            pending.remove(e.message().id(), e);
            if (e.epoch() == current) {
                batch.add(e.message());
            } else {
                counters.staleAcks.incrementAndGet(); // its connection ended: the hub delivers it again on the new one
            }
        }
        if (!batch.isEmpty()) {
            hub.ack(batch);
            counters.ackWrites.incrementAndGet();
        }
        return taken > 0;
    }

    /** Stops the thread once it has written what came until now. */
    void stop() {
        ackerStop = true;
        java.util.concurrent.locks.LockSupport.unpark(acker);
        try {
            acker.join(5_000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
