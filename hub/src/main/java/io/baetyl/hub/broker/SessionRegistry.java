package io.baetyl.hub.broker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connected sessions by client id, and the persistent sessions that are away until their session expiry interval
 * (MQTT 5) has passed.
 */
public final class SessionRegistry {
    // the broker's logger, so the log lines stay those of the broker
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
    /** Persistent sessions that are away with a session expiry interval (MQTT 5): the token of the pending expiry. */
    private final Map<String, Object> expiring = new ConcurrentHashMap<>();
    private final SubscriptionStore subscriptions;
    private final OffsetStore offsets;
    private final InflightStore inflight;

    SessionRegistry(SubscriptionStore subscriptions, OffsetStore offsets, InflightStore inflight) {
        this.subscriptions = subscriptions;
        this.offsets = offsets;
        this.inflight = inflight;
    }

    /** Registers a session under its client id; returns the session it replaces, if any. */
    public ClientSession register(String clientId, ClientSession session) {
        expiring.remove(clientId); // back before its session expired
        return sessions.put(clientId, session);
    }

    /** Forgets a persistent session that is not connected: its subscriptions, log offset and QoS 2 state. */
    public void forget(String clientId) {
        subscriptions.remove(clientId);
        offsets.delete(clientId);
        inflight.remove(clientId);
    }

    /** A persistent session went away and expires later: the token {@link #expire} must be called with. */
    public Object away(String clientId) {
        Object token = new Object();
        expiring.put(clientId, token);
        return token;
    }

    /** The expiry interval of a session that went away with {@code token} passed: forgotten unless it came back. */
    public void expire(String clientId, Object token) {
        if (expiring.remove(clientId, token) && !sessions.containsKey(clientId)) {
            log.info("session expired: clientId={}", clientId);
            forget(clientId);
        }
    }

    public void unregister(String clientId, ClientSession session) {
        sessions.remove(clientId, session);
    }

    public int count() {
        return sessions.size();
    }

    public ClientSession get(String clientId) {
        return sessions.get(clientId);
    }

    /** Calls {@code action} for each registered session (for the report's client list and counts). */
    public void forEach(Consumer<ClientSession> action) {
        sessions.values().forEach(action);
    }
}
