package io.baetyl.hub.broker;

/**
 * Set by a typed store when it wrote to one of the store's maps; the store thread ({@link Persister}) commits when it
 * finds it set. One flag for all of them: a MapDB commit covers every map.
 */
public final class DirtyFlag {
    private volatile boolean dirty;

    public void mark() {
        dirty = true;
    }

    /** True if something was written since the last call. */
    boolean take() {
        boolean d = dirty;
        dirty = false;
        return d;
    }
}
