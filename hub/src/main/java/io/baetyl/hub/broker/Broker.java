package io.baetyl.hub.broker;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.config.Limits;
import io.baetyl.hub.persist.Store;
import io.baetyl.hub.topic.Topics;
import io.baetyl.hub.topic.TopicTree;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes messages. QoS 0 goes straight through the topic tree to subscribers' queues; QoS 1 is appended to the
 * persistent log by the {@link Persister} and acknowledged after the commit, then every session with subscriptions
 * reads the log from its own offset (as baetyl-hub does), which gives offline delivery and at-least-once after a
 * crash.
 */
public final class Broker {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    static final String RULE_TOPIC_OFFSET = "$rule/topic";

    private final HubConfig config;
    private final Limits limits;
    private final Store store;
    private final Metrics metrics = new Metrics();
    /** QoS 0 routing: key is the subscriber object, value its filter's QoS. */
    private final TopicTree<Object, Sub> tree = new TopicTree<>();
    private final Set<LogReader> readers = ConcurrentHashMap.newKeySet();
    private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
    private final RetainedStore retained;
    private final DirtyFlag dirty = new DirtyFlag();
    /** Subscription writes ({@link SubscriptionStore#changes()}) that a completed commit holds. */
    private final AtomicLong subscriptionsCommitted = new AtomicLong();
    private final OffsetStore offsets;
    private final SubscriptionStore subscriptions;
    private final WillStore wills;
    private final InflightStore inflight;
    private final List<Route> routes = new ArrayList<>();
    private final SharedSubscriptions shared = new SharedSubscriptions();
    private final MessageCache cache;
    private final ByteBudget qos0Budget;
    private final Persister persister;
    private volatile long committedSeq;
    private final long retentionMillis;

    /** A subscription in the tree. */
    public record Sub(Subscriber target, int qos) {
    }

    /** A configured {@code subscriptions} entry. */
    final class Route implements Subscriber {
        final HubConfig.Subscription config;

        Route(HubConfig.Subscription config) {
            this.config = config;
        }

        @Override
        public void deliverQos0(Message m) {
            publish(m.withTopicQos(config.target.topic, 0), null);
        }
    }

    /** A broker with the default budgets for its heap (tests). */
    public Broker(HubConfig config, Store store) {
        this(config, Limits.of(config), store);
    }

    public Broker(HubConfig config, Limits limits, Store store) {
        this.config = config;
        this.limits = limits;
        this.store = store;
        this.retentionMillis = config.message.ingress.qos1.cleanup.retention.toMillis();
        this.cache = new MessageCache(limits.cacheCountMax(), limits.cacheSizeMax());
        this.qos0Budget = new ByteBudget(limits.qos0TotalSizeMax());
        long last = store.log().lastSeq();
        committedSeq = last;
        offsets = new OffsetStore(store.offsets());
        subscriptions = new SubscriptionStore(store.subscriptions(), dirty);
        // only the retained messages' topics and sizes are read here; a message is read when a subscriber needs it
        retained = new RetainedStore(store.retained(), store.retainedSizes(), limits.retainedSizeMax(),
                limits.retainedCountMax(), metrics);
        wills = new WillStore(store.wills(), dirty);
        inflight = new InflightStore(store.inflight(), last);
        for (HubConfig.Subscription s : config.subscriptions) {
            Route r = new Route(s);
            routes.add(r);
            tree.add(s.source.topic, r, new Sub(r, s.source.qos));
        }
        Long ruleOffset = offsets.get(RULE_TOPIC_OFFSET);
        persister = new Persister(this, store, config, last, ruleOffset == null ? last : ruleOffset);
        log.info("broker started: lastSeq={}, persistentSessions={}, routes={}", last, store.subscriptions().size(),
                routes.size());
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

    // ---- sessions -----------------------------------------------------------------------------------------------

    /** Registers a session under its client id; returns the session it replaces, if any. */
    public ClientSession registerSession(String clientId, ClientSession session) {
        expiring.remove(clientId); // back before its session expired
        return sessions.put(clientId, session);
    }

    /** Persistent sessions that are away with a session expiry interval (MQTT 5): the token of the pending expiry. */
    private final Map<String, Object> expiring = new ConcurrentHashMap<>();

    /** Forgets a persistent session that is not connected: its subscriptions, log offset and QoS 2 state. */
    public void forgetSession(String clientId) {
        subscriptions.remove(clientId);
        offsets.delete(clientId);
        inflight.remove(clientId);
    }

    /** A persistent session went away and expires later: the token {@link #expireSession} must be called with. */
    public Object sessionAway(String clientId) {
        Object token = new Object();
        expiring.put(clientId, token);
        return token;
    }

    /** The expiry interval of a session that went away with {@code token} passed: forgotten unless it came back. */
    public void expireSession(String clientId, Object token) {
        if (expiring.remove(clientId, token) && !sessions.containsKey(clientId)) {
            log.info("session expired: clientId={}", clientId);
            forgetSession(clientId);
        }
    }

    public void unregisterSession(String clientId, ClientSession session) {
        sessions.remove(clientId, session);
    }

    public int sessionCount() {
        return sessions.size();
    }

    public ClientSession session(String clientId) {
        return sessions.get(clientId);
    }

    /** Calls {@code action} for each registered session (for the report's client list and counts). */
    public void forEachSession(Consumer<ClientSession> action) {
        sessions.values().forEach(action);
    }

    /**
     * Subscribes {@code s} (the session of {@code clientId}) to {@code filter}; a shared subscription
     * {@code $share/{group}/{f}} joins its group, which is one subscriber of {@code f} in the tree.
     */
    public void subscribe(String filter, String clientId, Subscriber s, int qos) {
        Topics.Shared shared = Topics.shared(filter);
        if (shared == null) {
            tree.add(filter, s, new Sub(s, qos));
        } else {
            this.shared.join(filter, shared, clientId, s, g -> tree.add(shared.filter(), g, new Sub(g, 0)));
        }
    }

    /** Subscribes a route or another non-session subscriber (not shared). */
    public void subscribe(String filter, Subscriber s, int qos) {
        tree.add(filter, s, new Sub(s, qos));
    }

    public void unsubscribe(String filter, Subscriber s) {
        Topics.Shared shared = Topics.shared(filter);
        if (shared == null) {
            tree.remove(filter, s);
        } else {
            this.shared.leave(filter, s, g -> tree.remove(shared.filter(), g));
        }
    }

    /** Shared subscriptions' groups: which member delivers which logged message. */
    public SharedSubscriptions shared() {
        return shared;
    }

    public void addReader(LogReader r) {
        readers.add(r);
    }

    public void removeReader(LogReader r) {
        readers.remove(r);
    }

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

    /** Moves offset updates into the store; called by the store thread before each commit. */
    boolean flushOffsets() {
        return offsets.flush();
    }

    /** Marks the store as needing a commit for writes made outside the persister and the typed stores. */
    public void markDirty() {
        dirty.mark();
    }

    boolean takeDirty() {
        return dirty.take();
    }

    /** Commits the store; what the subscriptions held when it began is on record once it returns. */
    void commit() {
        long changes = subscriptions.changes();
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
    public void commitSubscriptions() {
        if (subscriptionsCommitted.get() < subscriptions.changes()) {
            commit();
        }
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
            routeQos0(m);
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
            return new RetainedView(committedSeq, out);
        });
    }

    public int retainedCount() {
        return retained.count();
    }

    void routeQos0(Message m) {
        List<Sub> matched = new ArrayList<>(2);
        tree.match(m.topic, matched::add);
        if (matched.size() == 1) {
            matched.get(0).target().deliverQos0(m);
        } else if (matched.size() > 1) {
            // A client matched by several filters gets one copy (MQTT 3.1.1 allows either; Baetyl sends one).
            Map<Subscriber, Boolean> seen = new IdentityHashMap<>();
            for (Sub s : matched) {
                if (seen.put(s.target(), Boolean.TRUE) == null) {
                    s.target().deliverQos0(m);
                }
            }
        }
    }

    /**
     * Whether a message on {@code topic} reaches anyone: a connected subscriber, a configured route, or (QoS 1 and 2,
     * which wait in the log) the subscription of a persistent session that is offline. Reads every persistent
     * session's subscriptions when nobody online matches, so it is for ExHook's {@code message.dropped} only.
     */
    public boolean hasSubscriber(String topic, int qos) {
        boolean[] any = {false};
        tree.match(topic, s -> any[0] = true);
        if (any[0] || qos == 0) {
            return any[0];
        }
        subscriptions.forEach((id, subs) -> {
            if (!any[0]) {
                for (String f : subs.keySet()) {
                    if (Topics.matches(f, topic)) {
                        any[0] = true;
                        break;
                    }
                }
            }
        });
        return any[0];
    }

    /** Routes a committed QoS 1 message through the configured subscriptions; QoS 1 copies go to {@code again}. */
    void routeLogged(Message m, Consumer<Message> again) {
        for (Route r : routes) {
            if (Topics.matches(r.config.source.topic, m.topic)) {
                // the lowest of the source's, the target's and the message's QoS
                int eff = Math.min(Math.min(r.config.source.qos, m.qos), r.config.target.qos);
                if (eff >= 1) {
                    again.accept(m.withTopicQos(r.config.target.topic, eff));
                } else {
                    routeQos0(m.withTopicQos(r.config.target.topic, 0));
                }
            }
        }
    }

    boolean hasRoutes() {
        return !routes.isEmpty();
    }

    // ---- the log -------------------------------------------------------------------------------------------------

    public long committedSeq() {
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
    public Message read(long seq) {
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

    Message readLogged(long seq) {
        return read(seq);
    }

    /**
     * The log position up to which every consumer has read and acknowledged: live sessions reading the log, persistent
     * sessions with subscriptions (online or not), and the routes ({@code routedUpTo}). Segments up to it can go.
     */
    long consumedUpTo(long routedUpTo) {
        long min = Math.min(committedSeq, routedUpTo);
        for (LogReader r : readers) {
            min = Math.min(min, r.consumedUpTo());
        }
        long[] lowest = {min};
        offsets.forEach((id, off) -> {
            // a persistent session without subscriptions is owed nothing: a subscription starts at the log's end
            if (off < lowest[0] && !id.equals(RULE_TOPIC_OFFSET) && subscriptions.contains(id)) {
                lowest[0] = off;
            }
        });
        return lowest[0];
    }

    /** Bumped when a failed log write took back appended messages (see {@link Persister#epoch()}). */
    public long qos1Epoch() {
        return persister.epoch();
    }

    /** Messages in the log not yet acknowledged by the slowest persistent consumer. */
    public long backlog() {
        long[] min = {committedSeq};
        offsets.forEach((id, o) -> min[0] = Math.min(min[0], o));
        return committedSeq - min[0];
    }

    public Map<String, Object> metricsSnapshot() {
        Map<String, Object> m = metrics.snapshot(backlog(), committedSeq, sessions.size(), retained.count());
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
        flushOffsets();
        commit();
    }
}
