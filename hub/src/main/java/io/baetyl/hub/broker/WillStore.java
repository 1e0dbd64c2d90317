package io.baetyl.hub.broker;

import java.util.Map;

/** Wills of connected clients by client id; what a previous run left is stale and dropped at start. */
public final class WillStore {
    private final Map<String, byte[]> map;
    private final DirtyFlag dirty;

    WillStore(Map<String, byte[]> map, DirtyFlag dirty) {
        this.map = map;
        this.dirty = dirty;
        map.clear(); // their connections are gone and no client asked for them again
    }

    public void put(String clientId, Message will) {
        map.put(clientId, will.encode());
        dirty.mark();
    }

    public void remove(String clientId) {
        if (map.remove(clientId) != null) {
            dirty.mark();
        }
    }
}
