package io.baetyl.hub.broker;

import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Consumers' read positions in the QoS 1 log (client id, or an internal id such as the routes'), kept in memory and
 * written to the store by the store thread ({@link #flush()}): sessions move their offsets on every acknowledgement,
 * and only the latest value of each needs to reach the disk.
 */
public final class OffsetStore {
    private final Map<String, Long> stored;
    private final Map<String, Long> offsets = new ConcurrentHashMap<>();
    private final Set<String> changed = ConcurrentHashMap.newKeySet();

    OffsetStore(Map<String, Long> stored) {
        this.stored = stored;
        offsets.putAll(stored);
    }

    /** The last acknowledged log position of a consumer, or null. */
    public Long get(String id) {
        return offsets.get(id);
    }

    public void save(String id, long offset) {
        Long old = offsets.put(id, offset);
        if (old == null || old != offset) {
            changed.add(id);
        }
    }

    public void delete(String id) {
        if (offsets.remove(id) != null) {
            changed.add(id);
        }
    }

    void forEach(BiConsumer<String, Long> action) {
        offsets.forEach(action);
    }

    /** Moves changed offsets into the store; true if there were any (the store thread commits then). */
    boolean flush() {
        if (changed.isEmpty()) {
            return false;
        }
        for (String id : new ArrayList<>(changed)) {
            changed.remove(id);
            Long v = offsets.get(id);
            if (v == null) {
                stored.remove(id);
            } else {
                stored.put(id, v);
            }
        }
        return true;
    }
}
