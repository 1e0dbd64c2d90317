package io.baetyl.hub.broker;

/**
 * The newest committed QoS 1 messages, so that sessions keeping up with the log do not read it back from the disk.
 * Bounded in messages ({@code message.ingress.qos1.cache.count.max}, the ring's length) and in bytes
 * ({@code message.ingress.qos1.cache.size.max}): adding a message evicts the oldest ones until both hold; a message
 * larger than the whole byte budget is not cached. Anything not in the cache is read from the log.
 *
 * <p>Written by one thread at a time (under the persister's lock), read by any: a reader checks the sequence number
 * of what it finds in a slot, so a slot being replaced or cleared only sends it to the log.
 */
final class MessageCache {
    /** Heap taken by a cached message besides its payload and topic: the object, its strings' headers, the slot. */
    static final int OVERHEAD = 120;

    private final Message[] ring;
    private final long maxBytes;
    // guarded by the persister's lock
    private long bytes;
    private long oldest = 1;
    private long newest;

    MessageCache(int maxCount, long maxBytes) {
        this.ring = new Message[Math.max(1, maxCount)];
        this.maxBytes = maxCount <= 0 ? 0 : maxBytes;
    }

    static long weight(Message m) {
        return OVERHEAD + m.payload.length + m.propsLength() + 2L * m.topic.length() + 2L * m.clientId.length();
    }

    private int slot(long seq) {
        return (int) Long.remainderUnsigned(seq, ring.length);
    }

    /** Adds committed messages in sequence order. */
    void add(Message m) {
        if (newest == 0 || m.seq != newest + 1) {
            evictUpTo(m.seq - 1); // the first message, or a gap (never expected): start afresh
        }
        long w = weight(m);
        if (w > maxBytes) {
            evictUpTo(m.seq); // keep the cache a contiguous run of the newest messages
            return;
        }
        while (oldest <= newest && (newest - oldest + 1 >= ring.length || bytes + w > maxBytes)) {
            evictOldest();
        }
        ring[slot(m.seq)] = m;
        bytes += w;
        newest = m.seq;
    }

    private void evictOldest() {
        if (oldest > newest) {
            return;
        }
        int i = slot(oldest);
        Message m = ring[i];
        if (m != null && m.seq == oldest) {
            ring[i] = null;
            bytes -= weight(m);
        }
        oldest++;
    }

    private void evictUpTo(long seq) {
        while (oldest <= newest && oldest <= seq) {
            evictOldest();
        }
        oldest = seq + 1;
        newest = Math.max(newest, seq);
    }

    /** The cached message at {@code seq}, or null. */
    Message get(long seq) {
        Message m = ring[slot(seq)];
        return m != null && m.seq == seq ? m : null;
    }

    long bytes() {
        return bytes;
    }
}
