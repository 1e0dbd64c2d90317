package io.baetyl.hub.server;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.ClientSession;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.topic.Topics;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's MQTT session while it is connected: its subscriptions, what it sends ({@link Inbox}) and what it is
 * sent ({@link Outbox}: in-flight window, retry, log offset). A persistent session is restored from the broker's typed
 * stores at connect ({@link #open()}) and written back to them as it changes. Created by {@link MqttConnection} once
 * the CONNECT passed {@link ConnectCheck}; everything runs on the channel's event loop unless said otherwise.
 */
final class Session implements ClientSession {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    final Broker broker;
    final Channel ch;
    final String remote;
    final Authenticator.Account account;
    final boolean persistent;
    final Protocol protocol;
    final SessionEvents events;
    private final String clientId;
    private final Message will;
    final Outbox out;
    final Inbox in;
    private Map<String, Integer> subscriptions;
    private volatile boolean connected;
    private boolean ended;
    /** Completes once this session is unregistered and saved (what a takeover waits for). */
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    Session(Broker broker, Channel ch, String remote, String clientId, Authenticator.Account account, boolean persistent,
            Message will, Protocol protocol, SessionEvents events) {
        this.broker = broker;
        this.ch = ch;
        this.remote = remote;
        this.clientId = clientId;
        this.account = account;
        this.persistent = persistent;
        this.will = will;
        this.protocol = protocol;
        this.events = events;
        this.out = new Outbox(this, broker, ch);
        this.in = new Inbox(this, broker, ch);
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
        if (will != null) {
            broker.wills().put(clientId, will);
        }
        boolean present = false;
        out.cursor = broker.committedSeq();
        if (persistent) {
            Long off = broker.offset(clientId);
            Map<String, Integer> stored = broker.subscriptions().get(clientId);
            present = off != null || stored != null;
            if (off != null) {
                out.cursor = Math.min(off, out.cursor);
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
            out.saveOffset();
        } else {
            broker.subscriptions().remove(clientId);
            broker.deleteOffset(clientId);
        }
        return present;
    }

    /** The CONNACK is out: deliveries start. */
    void start(boolean present, int keepAlive) {
        connected = true;
        events.connected(this, present, keepAlive);
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
        if (subscriptions != null) {
            for (String f : subscriptions.keySet()) {
                broker.unsubscribe(f, out);
            }
        }
        if (persistent) {
            out.saveOffset();
        }
        if (will != null) {
            broker.wills().remove(clientId);
            if (!graceful) {
                log.debug("publishing will: clientId={}, topic={}", clientId, will.topic);
                broker.publish(will.withSeq(0), null);
            }
        }
        broker.unregisterSession(clientId, this);
        events.disconnected(this, graceful);
        closed.complete(null);
    }

    /** The connection closed before the session started (during a takeover): only the registration goes. */
    void abandon() {
        ended = true;
        out.close();
        broker.unregisterSession(clientId, this);
        closed.complete(null);
    }

    @Override
    public CompletableFuture<Void> takeOver() {
        ch.eventLoop().execute(() -> {
            if (ch.isActive()) {
                ch.close();
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

    // ---- permissions and the publish step ---------------------------------------------------------------------------

    /** Null if this client may publish to {@code topic}, else why not. */
    String authorizePublish(String topic) {
        if (!Topics.isValidPublishTopic(topic)) {
            return "invalid";
        }
        return account.canPublish(topic) ? null : "not permitted";
    }

    /** Null if this client may subscribe to {@code filter}, else why not. */
    String authorizeSubscribe(String filter) {
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

    void subscribe(MqttSubscribeMessage msg) {
        List<Integer> codes = new ArrayList<>();
        Map<String, Integer> added = new LinkedHashMap<>();
        boolean wasEmpty = !hasSubscriptions();
        for (MqttTopicSubscription s : msg.payload().topicSubscriptions()) {
            String filter = s.topicName();
            String refused = authorizeSubscribe(filter);
            if (refused != null) {
                log.info("subscribe refused: clientId={}, topic={}, reason={}", clientId, filter, refused);
                codes.add(0x80);
                continue;
            }
            int granted = Math.min(s.qualityOfService().value(), 1);
            addSubscription(filter, granted);
            added.put(filter, granted);
            codes.add(granted);
            events.subscribed(this, filter, granted);
        }
        List<List<String>> retainedNow = List.of();
        if (!added.isEmpty()) {
            // the log position and the retained messages from the same instant: a retained QoS 1 message that is
            // being published now arrives either as retained or from the log, not twice and not never
            Broker.RetainedView view = broker.retainedMatching(List.copyOf(added.keySet()));
            retainedNow = view.matching();
            if (wasEmpty) {
                // nothing before this point was addressed to this session
                out.startReading(view.committedSeq());
            }
            persistSubscriptions();
        }
        ch.write(protocol.subAck(msg.variableHeader().messageId(), codes));
        int k = 0;
        for (Map.Entry<String, Integer> e : added.entrySet()) {
            for (String topic : retainedNow.get(k)) {
                out.retainedOwed.add(topic, e.getValue());
            }
            k++;
        }
        ch.flush();
        out.drainRetained();
        if (wasEmpty && !added.isEmpty()) {
            out.saveOffset();
        }
    }

    private void addSubscription(String filter, int qos) {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>();
        }
        subscriptions.put(filter, qos);
        broker.subscribe(filter, out, qos);
    }

    void unsubscribe(MqttUnsubscribeMessage msg) {
        boolean changed = false;
        for (String filter : msg.payload().topics()) {
            if (subscriptions != null && subscriptions.remove(filter) != null) {
                broker.unsubscribe(filter, out);
                events.unsubscribed(this, filter);
                changed = true;
            }
        }
        if (changed) {
            persistSubscriptions();
            if (subscriptions.isEmpty()) {
                out.stopReading();
            }
        }
        ch.writeAndFlush(protocol.unsubAck(msg.variableHeader().messageId()));
    }

    private void persistSubscriptions() {
        if (persistent) {
            broker.subscriptions().put(clientId, subscriptions);
        }
    }

    boolean hasSubscriptions() {
        return subscriptions != null && !subscriptions.isEmpty();
    }

    /** The highest QoS of this session's filters matching {@code topic}, or -1. */
    int matchQos(String topic) {
        int best = -1;
        for (Map.Entry<String, Integer> e : subscriptions.entrySet()) {
            if (e.getValue() > best && Topics.matches(e.getKey(), topic)) {
                best = e.getValue();
                if (best == 1) {
                    break;
                }
            }
        }
        return best;
    }

    // ---- listing ----------------------------------------------------------------------------------------------------

    /** Subscriptions now; read from another thread, so a close count. */
    int subscriptionCount() {
        Map<String, Integer> s = subscriptions;
        return s == null ? 0 : s.size();
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
            d.put("subscriptions", ClientListing.subscriptions(subscriptions == null ? Map.of() : subscriptions,
                    maxSubscriptions));
            f.complete(d);
        });
        return f;
    }
}
