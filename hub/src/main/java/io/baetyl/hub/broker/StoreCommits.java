package io.baetyl.hub.broker;

import io.baetyl.hub.persist.Store;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the store's commits must cover: writes flagged dirty by the typed stores, offset updates moved in before each
 * commit, and which subscription writes a completed commit holds.
 */
final class StoreCommits {
    private final Store store;
    private final DirtyFlag dirty;
    private final OffsetStore offsets;
    private final SubscriptionStore subscriptions;
    private final RetainedStore retained;
    /** Subscription writes ({@link SubscriptionStore#changes()}) that a completed commit holds. */
    private final AtomicLong subscriptionsCommitted = new AtomicLong();

    StoreCommits(Store store, DirtyFlag dirty, OffsetStore offsets, SubscriptionStore subscriptions,
                 RetainedStore retained) {
        this.store = store;
        this.retained = retained;
        this.dirty = dirty;
        this.offsets = offsets;
        this.subscriptions = subscriptions;
    }

    /** Moves offset updates into the store; called by the store thread before each commit. */
    boolean flushOffsets() {
        return offsets.flush();
    }

    /** Marks the store as needing a commit for writes made outside the persister and the typed stores. */
    void markDirty() {
        dirty.mark();
    }

    boolean takeDirty() {
        return dirty.take();
    }

    /**
     * Commits the store, with the retained messages put so far; what the subscriptions held when it began is on record
     * once it returns.
     */
    void commit() {
        long changes = subscriptions.changes();
        retained.writeUnwritten();
        store.commit();
        subscriptionsCommitted.accumulateAndGet(changes, Math::max);
    }

    /**
     * Commits the store now unless every subscription write is in a completed commit. QoS 2 records go to their
     * journal at once, subscriptions only with the store's next commit: without this, a {@code kill -9} right after a
     * SUBSCRIBE could restore a session with QoS 2 deliveries in flight but without the subscription they came from,
     * and nothing more would be sent to it. Called before a QoS 2 record is written for a packet about to leave; it
     * commits only after a subscription changed, so a stream of QoS 2 messages stays commit-free.
     */
    void commitSubscriptions() {
        if (subscriptionsCommitted.get() < subscriptions.changes()) {
            commit();
        }
    }
}
