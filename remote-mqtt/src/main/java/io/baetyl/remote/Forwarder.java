package io.baetyl.remote;

import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.mqtt.MqttMessage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a rule: every message the source client receives is published unchanged (topic, QoS, payload,
 * retain) through the target client. A QoS 1 message is acknowledged to the source only once the target broker has
 * acknowledged the copy, so the source keeps (and redelivers) what has not safely arrived: nothing is lost when
 * either side goes away, at the price of duplicates after a reconnect (at least once, as MQTT QoS 1 promises).
 */
final class Forwarder {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

    private final String name;
    private final HubClient source;
    private final HubClient target;
    /**
     * Counts the source's connections. A QoS 1 delivery can only be acknowledged on the connection it came on: on a
     * later connection its packet id may already belong to another message, and a persistent session redelivers it.
     */
    private final AtomicLong sourceEpoch = new AtomicLong();
    /** QoS 1 messages whose publish to the target failed; sent again when the target is connected. */
    private final Queue<Pending> retry = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    private volatile boolean closed;

    private record Pending(MqttMessage message, long epoch) {
    }

    /**
     * @param name for logs and stats, e.g. "hub->remote"
     */
    Forwarder(String name, HubClient source, HubClient target) {
        this.name = name;
        this.source = source;
        this.target = target;
    }

    /** The source client's message handler; runs on the source's callback thread, so it never blocks. */
    void onMessage(MqttMessage m) {
        if (closed) {
            return; // not acknowledged: a persistent session redelivers it to the next run
        }
        if (m.qos() == 0) {
            target.publish(m.topic(), 0, m.payload(), m.retained()).whenComplete((ok, e) -> {
                if (e == null) {
                    forwarded.incrementAndGet();
                } else {
                    // At most once: a QoS 0 message that cannot be sent now is not kept.
                    dropped.incrementAndGet();
                    log.debug("{}: QoS 0 message dropped: topic={}: {}", name, m.topic(), HubClient.describe(e));
                }
            });
            return;
        }
        pending.incrementAndGet();
        send(new Pending(m, sourceEpoch.get()));
    }

    private void send(Pending p) {
        MqttMessage m = p.message();
        target.publish(m.topic(), m.qos(), m.payload(), m.retained()).whenComplete((ok, e) -> {
            if (e == null) {
                acknowledged(p);
            } else if (closed) {
                pending.decrementAndGet();
            } else {
                log.debug("{}: publish failed, kept for resend: topic={}: {}", name, m.topic(), HubClient.describe(e));
                retry.add(p);
            }
        });
    }

    private void acknowledged(Pending p) {
        pending.decrementAndGet();
        forwarded.incrementAndGet();
        if (p.epoch() == sourceEpoch.get()) {
            source.ack(p.message());
        } else {
            stale.incrementAndGet();
        }
    }

    /** The source lost its connection: deliveries received so far can no longer be acknowledged. */
    void sourceLost() {
        sourceEpoch.incrementAndGet();
    }

    /** Sends the failed QoS 1 messages again if the target is connected (after a reconnect and periodically). */
    void resend() {
        if (closed || !target.isConnected()) {
            return;
        }
        int n = retry.size(); // only what is queued now: a publish failing again goes to the back for the next round
        for (int i = 0; i < n; i++) {
            Pending p = retry.poll();
            if (p == null) {
                break;
            }
            resent.incrementAndGet();
            send(p);
        }
    }

    void close() {
        closed = true;
    }

    /** Counters: forwarded (acknowledged by the target), pending (QoS 1 not yet acknowledged), resent, dropped. */
    Map<String, Object> stats() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("forwarded", forwarded.get());
        s.put("pending", pending.get());
        s.put("waiting_for_resend", retry.size());
        s.put("resent", resent.get());
        s.put("dropped_qos0", dropped.get());
        s.put("acks_skipped_after_reconnect", stale.get());
        return s;
    }
}
