package io.baetyl.hub.persist;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link Store} that keeps everything on the heap; for tests and for running without a disk. */
public final class MemoryStore implements Store {
    private final MemoryMessageLog log = new MemoryMessageLog();
    private final Map<String, byte[]> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, Long> offsets = new ConcurrentHashMap<>();
    private final Map<String, byte[]> retained = new ConcurrentHashMap<>();
    private final Map<String, byte[]> wills = new ConcurrentHashMap<>();

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
