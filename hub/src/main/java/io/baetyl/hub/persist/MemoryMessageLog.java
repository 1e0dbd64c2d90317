package io.baetyl.hub.persist;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MessageLog} on the heap, for tests and for running without a disk; its caps count the same bytes per
 * record as the file log does.
 */
public final class MemoryMessageLog implements MessageLog {
    private record Entry(long timestamp, byte[] data) {
    }

    private final ConcurrentSkipListMap<Long, Entry> entries = new ConcurrentSkipListMap<>();
    private final long maxBytes;
    private final long maxCount;
    private final AtomicLong bytes = new AtomicLong();
    private volatile long lastSeq;

    public MemoryMessageLog() {
        this(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public MemoryMessageLog(long maxBytes, long maxCount) {
        this.maxBytes = maxBytes;
        this.maxCount = maxCount;
    }

    private static long weight(byte[] data) {
        return FileMessageLog.HEADER + data.length;
    }

    @Override
    public void append(long seq, long timestamp, byte[] data) {
        if (seq <= lastSeq) {
            throw new IllegalArgumentException("sequence " + seq + " not after " + lastSeq);
        }
        if (bytes.get() + weight(data) > maxBytes || entries.size() >= maxCount) {
            throw new LogFullException("QoS 1 log full: " + bytes.get() + " bytes (storage.size.max " + maxBytes + "), "
                    + entries.size() + " messages (storage.count.max " + maxCount + ")");
        }
        entries.put(seq, new Entry(timestamp, data));
        bytes.addAndGet(weight(data));
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
    public long bytes() {
        return bytes.get();
    }

    @Override
    public long removeOlderThan(long cutoffMillis) {
        long n = 0;
        for (Map.Entry<Long, Entry> e : entries.entrySet()) {
            // written in time order: stop at the first young one
            if (e.getValue().timestamp() >= cutoffMillis) {
                break;
            }
            n += remove(e.getKey());
        }
        return n;
    }

    @Override
    public long removeUpTo(long seq) {
        long n = 0;
        for (Long k : entries.headMap(seq, true).keySet()) {
            n += remove(k);
        }
        return n;
    }

    private int remove(long seq) {
        Entry e = entries.remove(seq);
        if (e == null) {
            return 0;
        }
        bytes.addAndGet(-weight(e.data()));
        return 1;
    }

    @Override
    public void close() {
    }
}
