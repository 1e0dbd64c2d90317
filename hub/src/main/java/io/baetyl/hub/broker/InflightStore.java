package io.baetyl.hub.broker;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Persistent sessions' QoS 2 state by client id, what exactly-once needs to survive a reconnect or a {@code kill -9}:
 * <ul>
 *   <li>inbound: packet id → log position of each QoS 2 PUBLISH stored but not yet released by its PUBREL. It is
 *       committed before the message's log write, so a resent PUBLISH (DUP) finds it; an entry whose message did not
 *       reach the log is dropped at start ({@link #InflightStore} with the log's last position);</li>
 *   <li>outbound: the session's acknowledged offset when the record was written; the deliveries sent (packet id →
 *       log position, committed before the PUBLISH leaves, so a restart resends it with the same packet id and DUP,
 *       which a client that delivers at PUBLISH recognises); those the client has received (PUBREC) and been released
 *       (PUBREL; committed before the PUBREL is sent, so a restart resends PUBREL, never the message); and the log
 *       positions above that offset already completed (PUBCOMP), which must not be sent again.</li>
 * </ul>
 * One record per client, so every committed version is a consistent picture of one instant.
 */
public final class InflightStore {
    private static final byte VERSION = 2;

    /** One client's QoS 2 state. Mutable; event-loop only. */
    public static final class Record {
        public long offset = -1;
        public final Map<Integer, Long> sent = new LinkedHashMap<>();
        public final Map<Integer, Long> released = new LinkedHashMap<>();
        public final TreeSet<Long> completed = new TreeSet<>();
        public final Map<Integer, Long> received = new LinkedHashMap<>();

        /** True if the delivery of log position {@code seq} is on record (sent, released or completed). */
        public boolean isKnown(long seq) {
            return !isEmpty() && (completed.contains(seq) || sent.containsValue(seq) || released.containsValue(seq));
        }

        boolean isEmpty() {
            return sent.isEmpty() && released.isEmpty() && completed.isEmpty() && received.isEmpty();
        }
    }

    private final Map<String, byte[]> map;
    private final DirtyFlag dirty;

    InflightStore(Map<String, byte[]> map, DirtyFlag dirty, long lastLoggedSeq) {
        this.map = map;
        this.dirty = dirty;
        for (String id : map.keySet().toArray(String[]::new)) {
            Record r = get(id);
            if (r != null && r.received.values().removeIf(seq -> seq > lastLoggedSeq)) {
                put(id, r); // the process died between the record's commit and the message's log write
            }
        }
    }

    public Record get(String clientId) {
        byte[] b = map.get(clientId);
        return b == null ? null : decode(b);
    }

    /**
     * Stores the record; durable at the next commit. Once a session has QoS 2 state its record stays, with the offset,
     * until the session ends clean: the offset in it is always as new as the rest, whatever a commit catches.
     */
    public void put(String clientId, Record r) {
        map.put(clientId, encode(r));
        dirty.mark();
    }

    public void remove(String clientId) {
        if (map.remove(clientId) != null) {
            dirty.mark();
        }
    }

    static byte[] encode(Record r) {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 16 + 10 * (r.sent.size() + r.released.size() + r.received.size())
                + 8 * r.completed.size());
        b.put(VERSION).putLong(r.offset);
        b.putInt(r.sent.size());
        r.sent.forEach((pid, seq) -> b.putShort((short) (int) pid).putLong(seq));
        b.putInt(r.released.size());
        r.released.forEach((pid, seq) -> b.putShort((short) (int) pid).putLong(seq));
        b.putInt(r.completed.size());
        r.completed.forEach(b::putLong);
        b.putInt(r.received.size());
        r.received.forEach((pid, seq) -> b.putShort((short) (int) pid).putLong(seq));
        return b.array();
    }

    static Record decode(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        Record r = new Record();
        if (b.get() != VERSION) {
            return r;
        }
        r.offset = b.getLong();
        for (int i = b.getInt(); i > 0; i--) {
            r.sent.put(b.getShort() & 0xFFFF, b.getLong());
        }
        for (int i = b.getInt(); i > 0; i--) {
            r.released.put(b.getShort() & 0xFFFF, b.getLong());
        }
        for (int i = b.getInt(); i > 0; i--) {
            r.completed.add(b.getLong());
        }
        for (int i = b.getInt(); i > 0; i--) {
            r.received.put(b.getShort() & 0xFFFF, b.getLong());
        }
        return r;
    }
}
