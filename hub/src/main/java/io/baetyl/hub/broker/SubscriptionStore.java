package io.baetyl.hub.broker;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Persistent sessions' subscriptions (filter → granted QoS, with MQTT 5 subscription options in the bits above it) by
 * client id, stored one {@code <options> <filter>} line each (earlier versions wrote the QoS there: an upgraded hub
 * keeps its sessions).
 */
public final class SubscriptionStore {
    private final Map<String, byte[]> map;
    private final DirtyFlag dirty;
    /** Writes so far: a commit that began after reading {@code n} holds the first {@code n}. */
    private final AtomicLong changes = new AtomicLong();

    SubscriptionStore(Map<String, byte[]> map, DirtyFlag dirty) {
        this.map = map;
        this.dirty = dirty;
    }

    /** The stored subscriptions of {@code clientId} in the order they were made, or null if it has none. */
    public Map<String, Integer> get(String clientId) {
        byte[] b = map.get(clientId);
        return b == null ? null : decode(b);
    }

    /** Stores the subscriptions; an empty map removes the entry. */
    public void put(String clientId, Map<String, Integer> subscriptions) {
        if (subscriptions == null || subscriptions.isEmpty()) {
            remove(clientId);
            return;
        }
        map.put(clientId, encode(subscriptions));
        changes.incrementAndGet();
        dirty.mark();
    }

    /** Removes a client's subscriptions; true if it had some stored. */
    public boolean remove(String clientId) {
        if (map.remove(clientId) != null) {
            changes.incrementAndGet();
            dirty.mark();
            return true;
        }
        return false;
    }

    /** How many writes were made (see {@link Broker#commitSubscriptions()}). */
    long changes() {
        return changes.get();
    }

    public boolean contains(String clientId) {
        return map.containsKey(clientId);
    }

    public int size() {
        return map.size();
    }

    /** Every stored session with its subscriptions (for listings; decodes each entry). */
    public void forEach(BiConsumer<String, Map<String, Integer>> action) {
        map.forEach((id, b) -> action.accept(id, decode(b)));
    }

    static byte[] encode(Map<String, Integer> subs) {
        StringBuilder sb = new StringBuilder();
        subs.forEach((f, q) -> sb.append(q).append(' ').append(f).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, Integer> decode(byte[] data) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0 && sp < line.length() - 1) {
                out.put(line.substring(sp + 1), Integer.parseInt(line.substring(0, sp)));
            }
        }
        return out;
    }
}
