package io.baetyl.hub.broker;

import io.baetyl.hub.topic.Topics;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retained messages within a budget ({@code message.retained.size.max} bytes, {@code message.retained.count.max}
 * messages). The messages are in the store (on disk with MapDB) and read one at a time when a subscriber needs one; the
 * heap holds only the topics and their sizes, which is also all that is read at start. A new retained message that
 * would exceed the budget is not stored (the message itself is still delivered, without being retained), with one log
 * line and a count in {@code retained_refused}; replacing or deleting a retained message always works.
 *
 * <p>A put does not write the store: it leaves the encoding in a write-behind buffer that {@link #writeUnwritten} moves
 * into the store before each commit ({@link StoreCommits#commit}). Puts come from the publishers' event loops, and a
 * write to MapDB waits for its lock while the store thread commits; a commit with megabytes of new retained data took
 * seconds on a busy machine, and every connection of that event loop waited with it (FloodIT's probe, sharing a loop
 * with a client flooding retained messages). What a put is durable after does not change: the store's next commit.
 *
 * <p>Bounds: past {@value #PAUSE_BYTES} bytes or {@value #PAUSE_COUNT} topics in the buffer, the publishing
 * connection stops being read ({@link #full()}, {@link #whenWritten}) until the store thread has written the buffer:
 * the flooding client waits, its event loop's other clients do not (counted in {@code retained_write_pauses}, one WARN
 * line per 10 s at most). What the paused client had already sent can still arrive; past {@value #MAX_BYTES} bytes or
 * {@value #MAX_COUNT} topics, a put writes the buffer to the store itself, on its own thread, waiting as every put did
 * before (counted in {@code retained_write_waits}).
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

    /** Write-behind buffer: past this many bytes of encoded messages, the publisher stops being read. */
    static final long PAUSE_BYTES = 8L << 20;
    /** Write-behind buffer: past this many topics, the publisher stops being read. */
    static final int PAUSE_COUNT = 4096;
    /** Write-behind buffer: past this many bytes, a put writes the buffer to the store itself. */
    static final long MAX_BYTES = 2 * PAUSE_BYTES;
    /** Write-behind buffer: past this many topics, a put writes the buffer to the store itself. */
    static final int MAX_COUNT = 2 * PAUSE_COUNT;
    private final RateLimitedLog pauses = new RateLimitedLog(log, 10_000);
    /** Run once the buffer is written below its pause bound: the paused publishers' resumes. */
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    /** topic → encoding not yet in the store; an empty array (never a stored encoding) is a deletion. */
    private final ConcurrentHashMap<String, byte[]> unwritten = new ConcurrentHashMap<>();
    private final AtomicLong unwrittenBytes = new AtomicLong();
    /** One writer at a time: two could otherwise write one topic's older value after its newer one. */
    private final ReentrantLock writing = new ReentrantLock();

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
        sizes.put(m.topic, data.length);
        bytes.addAndGet(data.length - (old == null ? 0 : old));
        leaveUnwritten(m.topic, data);
        return true;
    }

    private boolean remove(String topic) {
        Integer old = sizes.remove(topic);
        if (old == null) {
            return false;
        }
        bytes.addAndGet(-old);
        leaveUnwritten(topic, new byte[0]);
        return true;
    }

    /** Buffers the topic's new state for the store; at the buffer's bound, writes the buffer on this thread. */
    private void leaveUnwritten(String topic, byte[] data) {
        byte[] replaced = unwritten.put(topic, data);
        unwrittenBytes.addAndGet(data.length - (replaced == null ? 0 : replaced.length));
        if (unwrittenBytes.get() > MAX_BYTES || unwritten.size() > MAX_COUNT) {
            metrics.retainedWriteWaits.increment();
            writeUnwritten();
        }
    }

    /** The write-behind buffer is past its pause bound: a publisher of retained messages should stop being read. */
    public boolean full() {
        return unwrittenBytes.get() > PAUSE_BYTES || unwritten.size() > PAUSE_COUNT;
    }

    /**
     * Runs {@code resume} (on the store's writing thread, or at once) when the buffer is no longer {@link #full()}; for
     * a publisher paused because it was. Counted and logged as one pause.
     */
    public void whenWritten(Runnable resume, String clientId) {
        metrics.retainedWritePauses.increment();
        pauses.warn("retained messages come faster than the store writes them: not reading clientId={} until they are "
                + "written (buffer {} bytes, {} topics)", clientId, unwrittenBytes.get(), unwritten.size());
        waiting.add(resume);
        if (!full()) {
            resumeWaiting(); // written meanwhile: nobody else may look at the queue again
        }
    }

    private void resumeWaiting() {
        Runnable r;
        while ((r = waiting.poll()) != null) {
            r.run();
        }
    }

    /**
     * Moves the buffered puts and deletions into the store (not committed). An entry leaves the buffer only if no newer
     * put replaced it meanwhile, so a reader finds each topic's newest state in the buffer or, after it, in the store.
     * Returns how many were written.
     */
    int writeUnwritten() {
        writing.lock();
        try {
            int n = 0;
            for (Map.Entry<String, byte[]> e : unwritten.entrySet()) {
                String topic = e.getKey();
                byte[] data = e.getValue();
                if (data.length == 0) {
                    durable.remove(topic);
                    durableSizes.remove(topic);
                } else {
                    durable.put(topic, data);
                    durableSizes.put(topic, data.length);
                }
                if (unwritten.remove(topic, data)) {
                    unwrittenBytes.addAndGet(-data.length);
                }
                n++;
            }
            return n;
        } finally {
            writing.unlock();
            if (!full()) {
                resumeWaiting();
            }
        }
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

    /** The topic's retained message, from the write-behind buffer or the store; null if it was deleted meanwhile. */
    public Message get(String topic) {
        if (topic.startsWith("$")) {
            return sys.get(topic);
        }
        byte[] data = unwritten.get(topic);
        if (data == null) {
            data = durable.get(topic);
        } else if (data.length == 0) {
            return null;
        }
        return data == null ? null : Message.decode(data, 0);
    }

    public int count() {
        return sizes.size();
    }

    public long bytes() {
        return bytes.get();
    }
}
