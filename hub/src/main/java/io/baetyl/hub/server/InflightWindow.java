package io.baetyl.hub.server;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A session's unacknowledged QoS 1 and 2 deliveries in the order they were sent, at most
 * {@code message.egress.qos1.buffer.size}: packet id → the message's log position, or the topic of a retained
 * message. Payloads are not held; a resend reads the message back. Event-loop only.
 */
final class InflightWindow {
    /** One delivery waiting for its PUBACK. */
    static final class Entry {
        final long seq;
        final String retainedTopic;
        final int qos;
        /** QoS 2: PUBREC came and PUBREL was sent; PUBCOMP ends it. */
        boolean released;
        long sentAt;

        Entry(long seq, String retainedTopic, int qos, long sentAt) {
            this.seq = seq;
            this.retainedTopic = retainedTopic;
            this.qos = qos;
            this.sentAt = sentAt;
        }
    }

    private final int capacity;
    private LinkedHashMap<Integer, Entry> entries;
    private int nextPid = 1;

    InflightWindow(int capacity) {
        this.capacity = capacity;
    }

    boolean hasRoom() {
        return size() < capacity;
    }

    int size() {
        return entries == null ? 0 : entries.size();
    }

    /** Records a delivery of the message at log position {@code seq} (or of a retained message) and returns its packet id. */
    int add(long seq, String retainedTopic, int qos, long now) {
        if (entries == null) {
            entries = new LinkedHashMap<>();
        }
        int pid = freePid();
        entries.put(pid, new Entry(seq, retainedTopic, qos, now));
        return pid;
    }

    /** Puts back a QoS 2 delivery of a saved session, with its packet id. */
    void restore(int pid, long seq, boolean released, long now) {
        if (entries == null) {
            entries = new LinkedHashMap<>();
        }
        Entry e = new Entry(seq, null, 2, now);
        e.released = released;
        entries.put(pid, e);
    }

    Entry get(int pid) {
        return entries == null ? null : entries.get(pid);
    }

    private int freePid() {
        for (int i = 0; i < 65535; i++) {
            int pid = nextPid;
            nextPid = nextPid == 65535 ? 1 : nextPid + 1;
            if (entries == null || !entries.containsKey(pid)) {
                return pid;
            }
        }
        throw new IllegalStateException("no free packet id");
    }

    /** The QoS 1 delivery {@code pid} that waited for its PUBACK (acknowledged now); null if there was none. */
    Entry acknowledge(int pid) {
        Entry e = get(pid);
        if (e == null || e.qos != 1) {
            return null;
        }
        entries.remove(pid);
        return e;
    }

    /** The released QoS 2 delivery {@code pid} completed (PUBCOMP); null if there was none. */
    Entry complete(int pid) {
        Entry e = get(pid);
        if (e == null || !e.released) {
            return null;
        }
        entries.remove(pid);
        return e;
    }

    /** The log position before the oldest unacknowledged logged message, or {@code cursor} if there is none. */
    long ackedOffset(long cursor) {
        if (entries != null) {
            for (Entry e : entries.values()) {
                if (e.retainedTopic == null) {
                    // a restored QoS 2 delivery can be ahead of the read cursor, which has yet to pass what is between
                    return Math.min(cursor, e.seq - 1);
                }
            }
        }
        return cursor;
    }

    /** Oldest first; {@code remove()} drops a delivery that can no longer be resent. */
    Iterator<Map.Entry<Integer, Entry>> iterator() {
        return entries == null ? java.util.Collections.emptyIterator() : entries.entrySet().iterator();
    }
}
