package io.baetyl.hub.broker;

import io.baetyl.hub.persist.Store;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The QoS 1 log as its consumers see it: the position of the last commit, the newest committed messages on the heap,
 * the sessions reading it at their own pace, and how far every consumer has got.
 */
final class CommittedLog {
    private final Store store;
    private final MessageCache cache;
    private final Set<LogReader> readers = ConcurrentHashMap.newKeySet();
    private final SharedSubscriptions shared;
    private final OffsetStore offsets;
    private final SubscriptionStore subscriptions;
    private final InflightStore inflight;
    private final long retentionMillis;
    private volatile long committedSeq;

    CommittedLog(Store store, MessageCache cache, SharedSubscriptions shared, OffsetStore offsets,
            SubscriptionStore subscriptions, InflightStore inflight, long retentionMillis, long lastSeq) {
        this.store = store;
        this.cache = cache;
        this.shared = shared;
        this.offsets = offsets;
        this.subscriptions = subscriptions;
        this.inflight = inflight;
        this.retentionMillis = retentionMillis;
        this.committedSeq = lastSeq;
    }

    void addReader(LogReader r) {
        readers.add(r);
    }

    void removeReader(LogReader r) {
        readers.remove(r);
    }

    long committedSeq() {
        return committedSeq;
    }

    /** Called by the persister after a commit: publish the new messages to readers. */
    void committed(List<Message> batch, long lastSeq) {
        for (Message m : batch) {
            cache.add(m);
        }
        shared.assign(batch); // owners are known before any reader sees the messages
        committedSeq = lastSeq; // volatile write publishes the cache entries above
        for (LogReader r : readers) {
            r.signalLog();
        }
    }

    /**
     * The logged message at {@code seq}, or null if it is gone or older than {@code cleanup.retention}: cleanup
     * deletes whole log segments, so an expired message can outlive its retention on disk or in the cache for a while,
     * but it is not delivered any more.
     */
    Message read(long seq) {
        Message m = cache.get(seq);
        if (m == null) {
            byte[] data = store.log().get(seq);
            m = data == null ? null : Message.decode(data, seq);
        }
        if (m != null && m.timestamp < System.currentTimeMillis() - retentionMillis) {
            return null;
        }
        return m;
    }

    /**
     * The log position up to which every consumer has read and acknowledged: live sessions reading the log, persistent
     * sessions with subscriptions (online or not), and the routes ({@code routedUpTo}); and it stays below every
     * inbound QoS 2 message not yet released, which a resent PUBLISH is compared with. Segments up to it can go.
     */
    long consumedUpTo(long routedUpTo) {
        long min = Math.min(Math.min(committedSeq, routedUpTo), inflight.oldestReceived() - 1);
        for (LogReader r : readers) {
            min = Math.min(min, r.consumedUpTo());
        }
        long[] lowest = {min};
        offsets.forEach((id, off) -> {
            // a persistent session without subscriptions is owed nothing: a subscription starts at the log's end
            if (off < lowest[0] && !id.equals(Broker.RULE_TOPIC_OFFSET) && subscriptions.contains(id)) {
                lowest[0] = off;
            }
        });
        return lowest[0];
    }

    /** Messages in the log not yet acknowledged by the slowest persistent consumer. */
    long backlog() {
        long[] min = {committedSeq};
        offsets.forEach((id, o) -> min[0] = Math.min(min[0], o));
        return committedSeq - min[0];
    }
}
