package io.baetyl.hub.broker;

import io.baetyl.hub.persist.RecordJournal;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Persistent sessions' QoS 2 state by client id, what exactly-once needs to survive a reconnect or a {@code kill -9}:
 * <ul>
 *   <li>inbound: packet id → log position of each QoS 2 PUBLISH stored but not yet released by its PUBREL. It is
 *       written before the message's log write, so a resent PUBLISH (DUP) finds it; an entry whose message did not
 *       reach the log is dropped at start ({@link #InflightStore} with the log's last position);</li>
 *   <li>outbound: the session's acknowledged offset when the record was written; the deliveries sent (packet id →
 *       log position, written before the PUBLISH leaves, so a restart resends it with the same packet id and DUP,
 *       which a client that delivers at PUBLISH recognises); those the client has received (PUBREC) and been released
 *       (PUBREL; written before the PUBREL is sent, so a restart resends PUBREL, never the message); and the log
 *       positions above that offset already completed (PUBCOMP), which must not be sent again.</li>
 * </ul>
 * One record per client, so every version on record is a consistent picture of one instant. The records are in the
 * store's {@link RecordJournal}: "written before" means handed to the kernel with one {@code write} (a {@code kill -9}
 * cannot lose it), plus a device flush only with {@code storage.fsync: true}.
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

    private final RecordJournal journal;
    /**
     * Per client, the lowest log position among its inbound packet ids on record. The log must keep those messages:
     * a resent PUBLISH is recognised by comparing it with the stored one ({@code Inbox#isResent}), and one whose
     * message was already deleted as consumed would be stored, and delivered, a second time.
     */
    private final Map<String, Long> oldestReceived = new ConcurrentHashMap<>();

    InflightStore(RecordJournal journal, long lastLoggedSeq) {
        this.journal = journal;
        for (String id : journal.keys()) {
            Record r = get(id);
            if (r != null && r.received.values().removeIf(seq -> seq > lastLoggedSeq)) {
                put(id, r, false); // the process died between the record's write and the message's log write
            } else if (r != null) {
                trackReceived(id, r);
            }
        }
        journal.writePending();
    }

    public Record get(String clientId) {
        byte[] b = journal.get(clientId);
        return b == null ? null : decode(b);
    }

    /**
     * Stores the record; {@code now}: in the file when this returns (with every other record waiting), else at the
     * next such write or the store thread's next round ({@link #writePending()}). Once a session has QoS 2 state its
     * record stays, with the offset, until the session ends clean: the offset in it is always as new as the rest.
     */
    public void put(String clientId, Record r, boolean now) {
        trackReceived(clientId, r);
        journal.put(clientId, encode(r), now);
    }

    public void remove(String clientId) {
        oldestReceived.remove(clientId);
        journal.remove(clientId);
    }

    /**
     * The lowest log position an inbound QoS 2 message stored but not yet released (PUBREL) has in any record, or
     * {@link Long#MAX_VALUE}: the log is not deleted from there on ({@code CommittedLog#consumedUpTo}).
     */
    long oldestReceived() {
        long min = Long.MAX_VALUE;
        for (long seq : oldestReceived.values()) {
            min = Math.min(min, seq);
        }
        return min;
    }

    private void trackReceived(String clientId, Record r) {
        long min = Long.MAX_VALUE;
        for (long seq : r.received.values()) {
            min = Math.min(min, seq);
        }
        if (min == Long.MAX_VALUE) {
            oldestReceived.remove(clientId);
        } else {
            oldestReceived.put(clientId, min);
        }
    }

    /** Writes the records waiting since their last {@link #put}; before offsets are committed and QoS 2 messages logged. */
    void writePending() {
        journal.writePending();
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
