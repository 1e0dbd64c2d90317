package io.baetyl.hub.server;

import io.baetyl.hub.broker.ByteBudget;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.Metrics;
import io.baetyl.hub.broker.RateLimitedLog;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's outgoing QoS 0 messages between the publishers' threads and the session's event loop, bounded per
 * session in messages ({@code message.egress.qos0.buffer.size}) and bytes ({@code message.egress.qos0.session.size.max})
 * and across all sessions in bytes ({@code message.egress.qos0.total.size.max}). A subscriber that does not keep up
 * loses its oldest messages, as in other brokers; when the shared budget is spent, a session gives up its own oldest
 * messages to make room, and a new message for a session with nothing queued is dropped. Every drop is counted in
 * {@code messages_dropped}; the log gets one line per 10 s at most.
 */
final class Qos0Queue {
    private static final Logger log = LoggerFactory.getLogger(Qos0Queue.class);
    private static final RateLimitedLog DROPS = new RateLimitedLog(log, 10_000);

    private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final int maxCount;
    private final long maxBytes;
    private final ByteBudget total;
    private final Metrics metrics;
    volatile String owner = "?";
    /** Told of every dropped message (ExHook {@code message.dropped}); null without ExHook. Any thread. */
    volatile java.util.function.Consumer<Message> onDrop;

    Qos0Queue(int maxCount, long maxBytes, ByteBudget total, Metrics metrics) {
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
        this.total = total;
        this.metrics = metrics;
    }

    /** Heap a queued message holds: its payload, topic and object headers (the payload may be shared; counted anyway). */
    static long weight(Message m) {
        return 64 + m.payload.length + m.propsLength() + 2L * m.topic.length();
    }

    /** Queues {@code m}, dropping the oldest as needed; false if {@code m} itself was dropped. Any thread. */
    boolean offer(Message m) {
        long w = weight(m);
        if (w > maxBytes) {
            dropped(m, "message larger than message.egress.qos0.session.size.max");
            return false;
        }
        while (!total.tryAcquire(w)) {
            if (!dropOldest("message.egress.qos0.total.size.max reached")) {
                dropped(m, "message.egress.qos0.total.size.max reached");
                return false;
            }
        }
        queue.add(m);
        int c = count.incrementAndGet();
        long b = bytes.addAndGet(w);
        while (c > maxCount || b > maxBytes) {
            if (!dropOldest(c > maxCount ? "message.egress.qos0.buffer.size reached" : "message.egress.qos0.session.size.max reached")) {
                break;
            }
            c = count.get();
            b = bytes.get();
        }
        return true;
    }

    private boolean dropOldest(String why) {
        Message old = poll();
        if (old == null) {
            return false;
        }
        dropped(old, why);
        return true;
    }

    private void dropped(Message m, String why) {
        metrics.dropped.increment();
        var hook = onDrop;
        if (hook != null) {
            hook.accept(m);
        }
        DROPS.warn("QoS 0 message dropped for a slow subscriber: clientId={}, topic={}, reason={}, queued={} ({} bytes)",
                owner, m.topic, why, count.get(), bytes.get());
    }

    /** The oldest queued message, or null. Any thread. */
    Message poll() {
        Message m = queue.poll();
        if (m != null) {
            long w = weight(m);
            count.decrementAndGet();
            bytes.addAndGet(-w);
            total.release(w);
        }
        return m;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Drops everything queued (the session closed), giving the bytes back; not counted as drops. */
    void clear() {
        while (poll() != null) {
            // releasing
        }
    }
}
