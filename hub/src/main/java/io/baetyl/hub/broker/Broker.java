package io.baetyl.hub.broker;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.config.Limits;
import io.baetyl.hub.persist.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes messages. QoS 0 goes straight through the topic tree to subscribers' queues; QoS 1 is appended to the
 * persistent log by the {@link Persister} and acknowledged after the commit, then every session with subscriptions
 * reads the log from its own offset (as baetyl-hub does), which gives offline delivery and at-least-once after a
 * crash. The parts: {@link Routing} (who gets a message), {@link CommittedLog} (the log as its readers see it),
 * {@link StoreCommits} (what a store commit covers) and {@link SessionRegistry} (the sessions by client id).
 */
public final class Broker {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    static final String RULE_TOPIC_OFFSET = "$rule/topic";

    private final HubConfig config;
    private final Limits limits;
    private final Store store;
    private final Metrics metrics = new Metrics();
    private final RetainedStore retained;
    private final DirtyFlag dirty = new DirtyFlag();
    private final OffsetStore offsets;
    private final SubscriptionStore subscriptions;
    private final WillStore wills;
    private final InflightStore inflight;
    private final MessageCache cache;
    private final ByteBudget qos0Budget;
    private final Routing routing;
    private final CommittedLog committedLog;
    private final StoreCommits commits;
    private final SessionRegistry sessions;
    private final Persister persister;

    /** A broker with the default budgets for its heap (tests). */
    public Broker(HubConfig config, Store store) {
        this(config, Limits.of(config), store);
    }

    public Broker(HubConfig config, Limits limits, Store store) {
        this.config = config;
        this.limits = limits;
        this.store = store;
        long retentionMillis = config.message.ingress.qos1.cleanup.retention.toMillis();
        this.cache = new MessageCache(limits.cacheCountMax(), limits.cacheSizeMax());
        this.qos0Budget = new ByteBudget(limits.qos0TotalSizeMax());
        long last = store.log().lastSeq();
        offsets = new OffsetStore(store.offsets());
        subscriptions = new SubscriptionStore(store.subscriptions(), dirty);
        // only the retained messages' topics and sizes are read here; a message is read when a subscriber needs it
        retained = new RetainedStore(store.retained(), store.retainedSizes(), limits.retainedSizeMax(),
                limits.retainedCountMax(), metrics);
        wills = new WillStore(store.wills(), dirty);
        inflight = new InflightStore(store.inflight(), last);
        routing = new Routing(this, config.subscriptions, subscriptions);
        committedLog = new CommittedLog(store, cache, routing.shared(), offsets, subscriptions, inflight, retentionMillis,
                last);
        commits = new StoreCommits(store, dirty, offsets, subscriptions, retained);
        sessions = new SessionRegistry(subscriptions, offsets, inflight);
        Long ruleOffset = offsets.get(RULE_TOPIC_OFFSET);
        persister = new Persister(this, store, config, last, ruleOffset == null ? last : ruleOffset);
        log.info("broker started: lastSeq={}, persistentSessions={}, routes={}", last, store.subscriptions().size(),
                routing.routeCount());
        log.info("budgets: {}", limits.describe());
    }

    public void start() {
        persister.start();
    }

    public Metrics metrics() {
        return metrics;
    }

    public HubConfig config() {
        return config;
    }

    public Limits limits() {
        return limits;
    }

    /** The bytes all sessions' QoS 0 queues share ({@code message.egress.qos0.total.size.max}). */
    public ByteBudget qos0Budget() {
        return qos0Budget;
    }

    public RetainedStore retained() {
        return retained;
    }

    public Store store() {
        return store;
    }

    /** Persistent sessions' subscriptions. */
    public SubscriptionStore subscriptions() {
        return subscriptions;
    }

    /** Persistent sessions' QoS 2 state. */
    public InflightStore inflight() {
        return inflight;
    }

    /** Connected clients' wills. */
    public WillStore wills() {
        return wills;
    }

    /** The connected sessions, and the persistent ones away until their expiry. */
    public SessionRegistry sessions() {
        return sessions;
    }

    // ---- subscriptions (see Routing) ----------------------------------------------------------------------------

    /** Subscribes the session of {@code clientId}; a {@code $share/{group}/{f}} filter joins its group. */
    public void subscribe(String filter, String clientId, Subscriber s, int qos) {
        routing.subscribe(filter, clientId, s, qos);
    }

    /** Subscribes a route or another non-session subscriber (not shared). */
    public void subscribe(String filter, Subscriber s, int qos) {
        routing.subscribe(filter, s, qos);
    }

    public void unsubscribe(String filter, Subscriber s) {
        routing.unsubscribe(filter, s);
    }

    /** Shared subscriptions' groups: which member delivers which logged message. */
    public SharedSubscriptions shared() {
        return routing.shared();
    }

    /** Whether a message on {@code topic} reaches anyone; slow, so for ExHook's {@code message.dropped} only. */
    public boolean hasSubscriber(String topic, int qos) {
        return routing.hasSubscriber(topic, qos);
    }

    Routing routing() {
        return routing;
    }

    // ---- offsets and store commits (see StoreCommits) ------------------------------------------------------------

    /** The last acknowledged log position of a persistent consumer, or null. */
    public Long offset(String id) {
        return offsets.get(id);
    }

    public void saveOffset(String id, long offset) {
        offsets.save(id, offset);
    }

    public void deleteOffset(String id) {
        offsets.delete(id);
    }

    /** Marks the store as needing a commit for writes made outside the persister and the typed stores. */
    public void markDirty() {
        commits.markDirty();
    }

    /** Commits the store now unless every subscription write is in a completed commit (see {@link StoreCommits}). */
    public void commitSubscriptions() {
        commits.commitSubscriptions();
    }

    StoreCommits commits() {
        return commits;
    }

    // ---- publishing ----------------------------------------------------------------------------------------------

    /**
     * Publishes a message that has passed validation and ACL. QoS 0 is delivered at once; QoS 1 is logged and flushed
     * before {@code onPersisted} runs (on the caller's thread). Connections use {@link #appendQos1} and
     * {@link #flushQos1} instead, to flush once per socket read.
     *
     * @throws NotStoredException a QoS 1 message could not be stored ({@code onPersisted} does not run)
     */
    public void publish(Message m, Runnable onPersisted) {
        if (m.qos == 0) {
            if (m.retain) {
                retain(m);
            }
            routing.routeQos0(m);
        } else {
            persister.append(m, null);
            persister.flush();
        }
        if (onPersisted != null) {
            onPersisted.run();
        }
    }

    /**
     * Appends a QoS 1 or 2 message to the log; it is durable, and delivered, after the next {@link #flushQos1()}.
     * Returns its log position.
     *
     * @throws NotStoredException the log is at its cap or a write failed; nothing was appended
     */
    public long appendQos1(Message m) {
        return persister.append(m, null);
    }

    /**
     * Appends like {@link #appendQos1(Message)} and tells {@code beforeDurable} its log position at once (QoS 2: the
     * packet id is recorded); the next flush commits the store's maps before it writes the log.
     */
    public long appendQos1(Message m, java.util.function.LongConsumer beforeDurable) {
        return persister.append(m, beforeDurable);
    }

    /**
     * Makes every appended QoS 1 message durable (also other threads'), then delivers it. Acknowledge after this, if
     * {@link #qos1Epoch()} is still what it was before the first append.
     *
     * @throws NotStoredException a write failed: everything appended since the last flush is lost
     */
    public void flushQos1() {
        persister.flush();
    }

    /** Stores or (empty payload) deletes the retained message of the topic, within the retained budget. */
    void retain(Message m) {
        if (retained.put(m)) {
            dirty.mark();
        }
    }

    /** The committed log position and, per filter, the topics of the retained messages matching it, taken together. */
    public record RetainedView(long committedSeq, List<List<String>> matching) {
    }

    /**
     * Retained messages per filter, with the log position they correspond to: a retained QoS 1 message enters the
     * retained set and the committed log under the same lock, so a new subscriber gets it from exactly one of them.
     */
    public RetainedView retainedMatching(List<String> filters) {
        return persister.locked(() -> {
            List<List<String>> out = new ArrayList<>(filters.size());
            for (String f : filters) {
                out.add(retained.matching(f));
            }
            return new RetainedView(committedLog.committedSeq(), out);
        });
    }

    public int retainedCount() {
        return retained.count();
    }

    // ---- the log -------------------------------------------------------------------------------------------------

    public long committedSeq() {
        return committedLog.committedSeq();
    }

    /** The logged message at {@code seq}, or null if it is gone or expired (see {@link CommittedLog#read}). */
    public Message read(long seq) {
        return committedLog.read(seq);
    }

    public void addReader(LogReader r) {
        committedLog.addReader(r);
    }

    public void removeReader(LogReader r) {
        committedLog.removeReader(r);
    }

    /** Messages in the log not yet acknowledged by the slowest persistent consumer. */
    public long backlog() {
        return committedLog.backlog();
    }

    CommittedLog committedLog() {
        return committedLog;
    }

    /** Bumped when a failed log write took back appended messages (see {@link Persister#epoch()}). */
    public long qos1Epoch() {
        return persister.epoch();
    }

    public Map<String, Object> metricsSnapshot() {
        Map<String, Object> m = metrics.snapshot(backlog(), committedLog.committedSeq(), sessions.count(),
                retained.count());
        m.put("retained_bytes", retained.bytes());
        m.put("persisted_bytes", store.log().bytes());
        m.put("persisted_messages", store.log().count());
        m.put("cached_bytes", cache.bytes());
        m.put("qos0_queued_bytes", qos0Budget.used());
        m.put("qos2_journal_bytes", store.inflight().size());
        m.put("qos2_journal_compactions", store.inflight().compactions());
        m.put("qos2_journal_torn_bytes", store.inflight().tornBytes());
        return m;
    }

    /** Persists everything queued and stops the persister; waits at most {@code timeoutMillis}. */
    public void close(long timeoutMillis) {
        persister.stop(timeoutMillis, TimeUnit.MILLISECONDS);
        commits.flushOffsets();
        commits.commit();
    }
}
