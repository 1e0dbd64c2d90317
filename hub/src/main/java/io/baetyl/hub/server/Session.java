package io.baetyl.hub.server;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.ClientSession;
import io.baetyl.hub.broker.InflightStore;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.exhook.ClientHooks;
import io.baetyl.hub.topic.Topics;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's MQTT session while it is connected: its subscriptions, what it sends ({@link Inbox}) and what it is
 * sent ({@link Outbox}: in-flight window, retry, log offset). A persistent session is restored from the broker's typed
 * stores at connect ({@link #open()}) and written back to them as it changes. Created by {@link MqttConnection} once
 * the CONNECT passed {@link ConnectCheck}; everything runs on the channel's event loop unless said otherwise. The
 * SUBSCRIBE and UNSUBSCRIBE packets are handled by {@link SubscribeRequests}.
 */
final class Session implements ClientSession {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    final Broker broker;
    final Channel ch;
    final String remote;
    final Authenticator.Account account;
    final boolean persistent;
    /** Whether a stored session is picked up (3.1.1 clean session 0, MQTT 5 clean start 0). */
    private final boolean resume;
    final Protocol protocol;
    final SessionEvents events;
    /** The ExHook calls of this client; {@link ClientHooks#NONE} without servers. */
    final ClientHooks hooks;
    private final String clientId;
    private final Message will;
    final Outbox out;
    final Inbox in;
    final SubscriptionSet subscriptions;
    /** QoS 2 packet ids in flight both ways; stored for a persistent session ({@link InflightStore}). */
    InflightStore.Record qos2 = new InflightStore.Record();
    final Qos2Saver qos2Saver;
    private final SubscribeRequests requests;
    private volatile boolean connected;
    private boolean ended;
    /** Completes once this session is unregistered and saved (what a takeover waits for). */
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    Session(Broker broker, Channel ch, String remote, String clientId, Authenticator.Account account, boolean persistent,
            boolean resume, Message will, Protocol protocol, SessionEvents events, ClientHooks hooks) {
        this.hooks = hooks;
        this.resume = resume;
        this.broker = broker;
        this.ch = ch;
        this.remote = remote;
        this.clientId = clientId;
        this.account = account;
        this.persistent = persistent;
        this.will = will;
        this.protocol = protocol;
        this.events = events;
        this.subscriptions = new SubscriptionSet(broker, clientId);
        this.out = new Outbox(this, broker, ch);
        this.in = new Inbox(this, broker, ch);
        this.qos2Saver = new Qos2Saver(this, broker);
        this.requests = new SubscribeRequests(this);
    }

    @Override
    public String clientId() {
        return clientId;
    }

    boolean connected() {
        return connected;
    }

    boolean ended() {
        return ended;
    }

    // ---- life -------------------------------------------------------------------------------------------------------

    /**
     * Restores a persistent session's subscriptions and log offset (or forgets a clean session's) and stores the will.
     * Returns whether a session was present.
     */
    boolean open() {
        // MQTT 5: clean start 0 resumes a stored session whatever this connection's expiry (0: it ends with it)
        boolean resumeStored = resume && (persistent || protocol.version() == 5);
        // a will of this client's previous connection waiting out its delay: not sent, or sent now if the session ends
        broker.wills().reconnected(clientId, !resumeStored);
        if (will != null) {
            broker.wills().put(clientId, will);
        }
        boolean present = false;
        out.cursor = broker.committedSeq();
        if (resumeStored) {
            // read after a takeover completed: the previous connection saved its state on the way out
            InflightStore.Record saved = broker.inflight().get(clientId);
            if (saved != null) {
                qos2 = saved;
            }
            Long off = broker.offset(clientId);
            Map<String, Integer> stored = broker.subscriptions().get(clientId);
            present = off != null || stored != null || saved != null;
            // everything up to the QoS 2 record's offset was acknowledged, even if the offset saved later was not
            long resume = Math.max(off == null ? -1 : off, saved == null ? -1 : saved.offset);
            if (resume >= 0) {
                out.cursor = Math.min(resume, out.cursor);
            }
            if (stored != null) {
                stored.forEach((filter, qos) -> {
                    if (authorizeSubscribe(filter) == null) {
                        addSubscription(filter, qos);
                    } else {
                        log.info("dropping stored subscription no longer permitted: clientId={}, topic={}", clientId, filter);
                    }
                });
            }
            if (log.isDebugEnabled()) {
                log.debug("session restored: clientId={}, offset={}, qos2Offset={}, cursor={}, committedSeq={}, "
                        + "subscriptions={}, qos2Sent={}, qos2Released={}, qos2Completed={}, qos2Received={}",
                        clientId, off, saved == null ? null : saved.offset, out.cursor, broker.committedSeq(),
                        stored == null ? 0 : stored.size(), qos2.sent.size(), qos2.released.size(),
                        qos2.completed.size(), qos2.received.size());
            }
            if (persistent) {
                out.saveOffset();
            } else {
                broker.sessions().forget(clientId); // in use now, gone with this connection
            }
        } else {
            if (broker.subscriptions().remove(clientId)) {
                hooks.sessionDiscarded(clientId);
            }
            broker.deleteOffset(clientId);
            broker.inflight().remove(clientId);
        }
        return present;
    }

    /** The CONNACK is out: deliveries start. */
    void start(boolean present, int keepAlive) {
        connected = true;
        events.connected(this, present, keepAlive);
        out.qos2.restore();
        if (hasSubscriptions()) {
            out.startReading(out.cursor);
            out.drainLog();
        }
    }

    /**
     * The connection is gone: routing stops, the offset is saved, and the will is published unless the client said
     * DISCONNECT. Called once, for a session that started.
     */
    void end(boolean graceful) {
        connected = false;
        ended = true;
        out.close();
        if (!subscriptions.isEmpty()) {
            for (String f : subscriptions.asMap().keySet()) {
                broker.unsubscribe(f, out.qos0);
            }
        }
        if (persistent) {
            out.saveOffset();
            qos2Saver.pending();
            long expiry = protocol.sessionExpirySeconds();
            if (expiry == 0) {
                broker.sessions().forget(clientId); // the DISCONNECT set the interval to 0
            } else if (expiry > 0) {
                Object token = broker.sessions().away(clientId);
                ch.eventLoop().schedule(() -> broker.sessions().expire(clientId, token), expiry, TimeUnit.SECONDS);
            }
        }
        if (will != null) {
            broker.wills().remove(clientId);
            if (!graceful) {
                long delay = protocol.willDelayMillis();
                if (delay > 0) {
                    log.debug("will delayed: clientId={}, topic={}, delayMillis={}", clientId, will.topic, delay);
                    broker.wills().publishLater(clientId, delay, ch.eventLoop(), this::publishWill);
                } else {
                    publishWill();
                }
            }
        }
        broker.sessions().unregister(clientId, this);
        events.disconnected(this, graceful);
        hooks.disconnected(graceful ? "normal" : "closed", !persistent); // and session.terminated for a clean one
        closed.complete(null);
    }

    private void publishWill() {
        log.debug("publishing will: clientId={}, topic={}", clientId, will.topic);
        broker.publish(will.publishedNow(), null);
    }

    /** The connection closed before the session started (during a takeover): only the registration goes. */
    void abandon() {
        ended = true;
        out.close();
        broker.sessions().unregister(clientId, this);
        closed.complete(null);
    }

    @Override
    public CompletableFuture<Void> takeOver() {
        ch.eventLoop().execute(() -> {
            if (ch.isActive()) {
                Disconnect.close(ch, protocol, Disconnect.SESSION_TAKEN_OVER);
            } else if (ended) {
                closed.complete(null);
            }
        });
        return closed;
    }

    void closeConnection() {
        if (ch.isActive()) {
            ch.close();
        }
    }

    /** Closes the connection; an MQTT 5 client is told {@code reasonCode} in a DISCONNECT first. */
    void closeConnection(int reasonCode) {
        Disconnect.close(ch, protocol, reasonCode);
    }

    // ---- permissions and the publish step ---------------------------------------------------------------------------

    /** Null if this client may publish to {@code topic}, else why not. */
    String authorizePublish(String topic) {
        if (!Topics.isValidPublishTopic(topic)) {
            return "invalid";
        }
        return account.canPublish(topic) ? null : "not permitted";
    }

    /**
     * Null if this client may subscribe to {@code filter}, else why not. For a shared subscription
     * {@code $share/{group}/{f}} the permits are checked against {@code f}.
     */
    String authorizeSubscribe(String filter) {
        if (filter != null && filter.startsWith(Topics.SHARE_PREFIX)) {
            Topics.Shared shared = Topics.shared(filter);
            if (shared == null) {
                return "topic invalid";
            }
            filter = shared.filter();
        }
        if (!Topics.isValidFilter(filter) && !Topics.isSysFilter(filter)) {
            return "topic invalid";
        }
        return account.canSubscribe(filter) ? null : "not permitted";
    }

    /** A message this client published, before it is routed: the message to route, or null to drop it. */
    Message messagePublish(Message m) {
        return m;
    }

    // ---- subscriptions ----------------------------------------------------------------------------------------------

    /** A SUBSCRIBE: see {@link SubscribeRequests}. */
    void subscribe(MqttSubscribeMessage msg) {
        requests.subscribe(msg);
    }

    /** An UNSUBSCRIBE: see {@link SubscribeRequests}. */
    void unsubscribe(MqttUnsubscribeMessage msg) {
        requests.unsubscribe(msg);
    }

    /** Adds or replaces a subscription and routes it; true if it was there already. */
    boolean addSubscription(String filter, int options) {
        boolean existed = subscriptions.put(filter, options);
        broker.subscribe(filter, clientId, out.qos0, SubscriptionOptions.qos(options));
        return existed;
    }

    boolean hasSubscriptions() {
        return !subscriptions.isEmpty();
    }

    /** See {@link SubscriptionSet#match}. */
    int match(Message m) {
        return subscriptions.match(m);
    }

    List<Integer> subscriptionIds(Message m) {
        return subscriptions.subscriptionIds(m);
    }

    boolean hasOptions() {
        return subscriptions.hasOptions();
    }

    // ---- listing ----------------------------------------------------------------------------------------------------

    /** Subscriptions now; read from another thread, so a close count. */
    int subscriptionCount() {
        return subscriptions.count();
    }

    /** Who this client is and what it subscribed to, taken on its own event loop; null when it is not connected. */
    CompletableFuture<Map<String, Object>> describe(int maxSubscriptions) {
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        ch.eventLoop().execute(() -> {
            if (!connected) {
                f.complete(null);
                return;
            }
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("clientid", clientId);
            d.put("username", account == null ? "" : account.username());
            d.put("address", remote);
            d.put("connected", true);
            d.put("clean_session", !persistent);
            d.put("subscriptions", ClientListing.subscriptions(subscriptions.asMap(), maxSubscriptions));
            f.complete(d);
        });
        return f;
    }
}
