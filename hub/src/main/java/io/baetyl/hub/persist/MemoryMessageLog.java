package io.baetyl.hub.persist;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** A {@link MessageLog} on the heap, for tests and for running without a disk. */
public final class MemoryMessageLog implements MessageLog {
    private record Entry(long timestamp, byte[] data) {
    }

    private final ConcurrentSkipListMap<Long, Entry> entries = new ConcurrentSkipListMap<>();
    private volatile long lastSeq;

    @Override
    public void append(long seq, long timestamp, byte[] data) {
        if (seq <= lastSeq) {
            throw new IllegalArgumentException("sequence " + seq + " not after " + lastSeq);
        }
        entries.put(seq, new Entry(timestamp, data));
        lastSeq = seq;
    }

    @Override
    public void flush() {
    }

    @Override
    public byte[] get(long seq) {
        Entry e = entries.get(seq);
        return e == null ? null : e.data();
    }

    @Override
    public long lastSeq() {
        return lastSeq;
    }

    @Override
    public long count() {
        return entries.size();
    }

    @Override
    public long removeOlderThan(long cutoffMillis) {
        long n = 0;
        for (Map.Entry<Long, Entry> e : entries.entrySet()) {
            // written in time order: stop at the first young one
            if (e.getValue().timestamp() >= cutoffMillis) {
                break;
            }
            entries.remove(e.getKey());
            n++;
        }
        return n;
    }

    @Override
    public void close() {
    }
}
