package io.baetyl.hub.persist;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link Store} that keeps everything on the heap; for tests and for running without a disk. */
public final class MemoryStore implements Store {
    private final MemoryMessageLog log;
    private final Map<String, byte[]> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, Long> offsets = new ConcurrentHashMap<>();
    private final Map<String, byte[]> retained = new ConcurrentHashMap<>();
    private final Map<String, Integer> retainedSizes = new ConcurrentHashMap<>();
    private final Map<String, byte[]> wills = new ConcurrentHashMap<>();
    private final RecordJournal inflight = RecordJournal.inMemory();

    public MemoryStore() {
        this(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /** With the QoS 1 log's caps. */
    public MemoryStore(long logMaxBytes, long logMaxCount) {
        this.log = new MemoryMessageLog(logMaxBytes, logMaxCount);
    }

    @Override
    public MessageLog log() {
        return log;
    }

    @Override
    public Map<String, byte[]> subscriptions() {
        return subscriptions;
    }

    @Override
    public Map<String, Long> offsets() {
        return offsets;
    }

    @Override
    public Map<String, byte[]> retained() {
        return retained;
    }

    @Override
    public Map<String, Integer> retainedSizes() {
        return retainedSizes;
    }

    @Override
    public RecordJournal inflight() {
        return inflight;
    }

    @Override
    public Map<String, byte[]> wills() {
        return wills;
    }

    @Override
    public void commit() {
    }

    @Override
    public void close() {
    }
}
