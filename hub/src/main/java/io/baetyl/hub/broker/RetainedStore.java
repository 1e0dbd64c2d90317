package io.baetyl.hub.broker;

import io.baetyl.hub.topic.Topics;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retained messages within a budget ({@code message.retained.size.max} bytes, {@code message.retained.count.max}
 * messages). The messages are in the store (on disk with MapDB) and read one at a time when a subscriber needs one; the
 * heap holds only the topics and their sizes, which is also all that is read at start. A new retained message that
 * would exceed the budget is not stored (the message itself is still delivered, without being retained), with one log
 * line and a count in {@code retained_refused}; replacing or deleting a retained message always works.
 */
public final class RetainedStore {
    private static final Logger log = LoggerFactory.getLogger(RetainedStore.class);

    private final Map<String, byte[]> durable;
    private final Map<String, Integer> durableSizes;
    private final long maxBytes;
    private final long maxCount;
    private final Metrics metrics;
    private final RateLimitedLog refusals = new RateLimitedLog(log, 10_000);
    /** topic → size of the stored encoding; guarded by this for writes. */
    private final Map<String, Integer> sizes = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    /**
     * The hub's own {@code $SYS} messages: in memory only (they are rebuilt every sys.interval), outside the budget
     * and the counts, since they are not the clients' (clients cannot publish to {@code $} topics).
     */
    private final Map<String, Message> sys = new ConcurrentHashMap<>();

    /**
     * Loads the index. A store from a version without sizes gets them computed once; a store holding more than today's
     * budget (the budget was lowered) keeps what fits and deletes the rest, with one log line.
     */
    public RetainedStore(Map<String, byte[]> durable, Map<String, Integer> durableSizes, long maxBytes, long maxCount,
                         Metrics metrics) {
        this.durable = durable;
        this.durableSizes = durableSizes;
        this.maxBytes = maxBytes;
        this.maxCount = maxCount;
        this.metrics = metrics;
        if (durableSizes.isEmpty() && !durable.isEmpty()) {
            for (Map.Entry<String, byte[]> e : durable.entrySet()) {
                durableSizes.put(e.getKey(), e.getValue().length);
            }
            log.info("retained messages: sizes indexed once (store of an earlier version): messages={}", durableSizes.size());
        }
        List<String> over = new ArrayList<>();
        for (Map.Entry<String, Integer> e : durableSizes.entrySet()) {
            if (sizes.size() < maxCount && bytes.get() + e.getValue() <= maxBytes) {
                sizes.put(e.getKey(), e.getValue());
                bytes.addAndGet(e.getValue());
            } else {
                over.add(e.getKey());
            }
        }
        for (String t : over) {
            durable.remove(t);
            durableSizes.remove(t);
        }
        if (!over.isEmpty()) {
            log.warn("retained messages over the budget at start deleted: deleted={}, kept={} ({} bytes), "
                    + "message.retained.count.max={}, message.retained.size.max={}", over.size(), sizes.size(), bytes.get(),
                    maxCount, maxBytes);
        }
        log.info("retained messages: {} ({} bytes) in the index", sizes.size(), bytes.get());
    }

    /**
     * Stores {@code m} (retain flag set) as its topic's retained message, or deletes the topic's one for an empty
     * payload. Returns true if the store changed (it must then be committed).
     */
    public synchronized boolean put(Message m) {
        if (m.topic.startsWith("$")) {
            if (m.payload.length == 0) {
                sys.remove(m.topic);
            } else {
                sys.put(m.topic, m.withSeq(0));
            }
            return false; // nothing to commit
        }
        if (m.payload.length == 0) {
            return remove(m.topic);
        }
        byte[] data = m.withSeq(0).encode();
        Integer old = sizes.get(m.topic);
        long after = bytes.get() - (old == null ? 0 : old) + data.length;
        long count = sizes.size() + (old == null ? 1 : 0);
        if (after > maxBytes || count > maxCount) {
            metrics.retainedRefused.increment();
            refusals.warn("retained message refused, over the budget (delivered, not retained): topic={}, bytes={}, "
                    + "retained={} ({} bytes), message.retained.count.max={}, message.retained.size.max={}", m.topic,
                    data.length, sizes.size(), bytes.get(), maxCount, maxBytes);
            return false;
        }
        durable.put(m.topic, data);
        durableSizes.put(m.topic, data.length);
        sizes.put(m.topic, data.length);
        bytes.addAndGet(data.length - (old == null ? 0 : old));
        return true;
    }

    private boolean remove(String topic) {
        Integer old = sizes.remove(topic);
        if (old == null) {
            return false;
        }
        bytes.addAndGet(-old);
        durable.remove(topic);
        durableSizes.remove(topic);
        return true;
    }

    /** Topics of the retained messages matching {@code filter}. */
    public List<String> matching(String filter) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = sizes.keySet().iterator(); it.hasNext(); ) {
            String t = it.next();
            if (Topics.matches(filter, t)) {
                out.add(t);
            }
        }
        if (filter.startsWith("$")) { // only a filter starting with '$' may match a '$' topic (MQTT 4.7.2)
            for (String t : sys.keySet()) {
                if (Topics.matches(filter, t)) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** The topic's retained message, read from the store; null if it was deleted meanwhile. */
    public Message get(String topic) {
        if (topic.startsWith("$")) {
            return sys.get(topic);
        }
        byte[] data = durable.get(topic);
        return data == null ? null : Message.decode(data, 0);
    }

    public int count() {
        return sizes.size();
    }

    public long bytes() {
        return bytes.get();
    }
}
