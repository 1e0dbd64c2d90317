package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Session}'s SUBSCRIBE and UNSUBSCRIBE packets: which filters are granted (principals, then ExHook), the
 * routes and the stored subscriptions, the SUBACK or UNSUBACK, and the retained messages a new subscription is owed.
 *
 * <p>Apart from the session because these packets are rare next to PUBLISH and carry most of the session's branching;
 * the session keeps what runs per message (matching, subscription ids) and its life (open, start, end). Runs on the
 * channel's event loop.
 */
final class SubscribeRequests {
    // logged as the session's own lines, so that operators see the same logger name as before the split
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final Session session;

    SubscribeRequests(Session session) {
        this.session = session;
    }

    /** A SUBSCRIBE: each filter authorized (principals, then ExHook), routed, stored; SUBACK; retained messages owed. */
    void subscribe(MqttSubscribeMessage msg) {
        // ExHook client.authorize decides each filter after the principals; without it, the principals alone (null)
        if (!session.hooks.authorizeSubscribe(msg, f -> session.authorizeSubscribe(f) == null, allowed -> subscribeAuthorized(msg, allowed))) {
            subscribeAuthorized(msg, null);
        }
    }

    private void subscribeAuthorized(MqttSubscribeMessage msg, Set<String> hookAllowed) {
        if (!session.connected()) {
            return; // the hook answered after the connection closed
        }
        List<Integer> codes = new ArrayList<>();
        Map<String, Integer> granted = new LinkedHashMap<>();
        Map<String, Integer> added = new LinkedHashMap<>();
        List<String> newWithoutRetained = new ArrayList<>();
        boolean wasEmpty = !session.hasSubscriptions();
        int id = session.protocol.subscriptionId(msg);
        for (MqttTopicSubscription s : msg.payload().topicSubscriptions()) {
            String filter = s.topicName();
            String refused = id > SubscriptionOptions.MAX_ID ? "subscription identifier above " + SubscriptionOptions.MAX_ID
                    : session.authorizeSubscribe(filter);
            if (hookAllowed != null && (refused == null || refused.equals("not permitted"))) {
                refused = hookAllowed.contains(filter) ? null : "not permitted";
            }
            if (refused != null) {
                log.info("subscribe refused: clientId={}, topic={}, reason={}", session.clientId(), filter, refused);
                codes.add(refused.equals("not permitted") ? 0x87 : 0x8F); // MQTT 5 reason codes; 3.1.1 sends 0x80
                continue;
            }
            int grantedQos = s.qualityOfService().value();
            int options = SubscriptionOptions.of(s, grantedQos, id);
            boolean existed = session.addSubscription(filter, options);
            int rh = SubscriptionOptions.retainHandling(options);
            if (session.subscriptions.isShared(filter)) {
                newWithoutRetained.add(filter); // MQTT 5 §4.8.2: no retained messages for a shared subscription
            } else if (rh == 0 || (rh == 1 && !existed)) {
                added.put(filter, grantedQos);
            } else {
                newWithoutRetained.add(filter);
            }
            codes.add(grantedQos);
            granted.put(filter, grantedQos);
            session.events.subscribed(session, filter, grantedQos);
        }
        List<List<String>> retainedNow = List.of();
        if (!added.isEmpty() || !newWithoutRetained.isEmpty()) {
            // the log position and the retained messages from the same instant: a retained QoS 1 message that is
            // being published now arrives either as retained or from the log, not twice and not never
            Broker.RetainedView view = session.broker.retainedMatching(List.copyOf(added.keySet())); // retain handling 0 or 1
            retainedNow = view.matching();
            if (wasEmpty) {
                // nothing before this point was addressed to this session
                session.out.startReading(view.committedSeq());
            }
            persistSubscriptions();
        }
        session.ch.write(session.protocol.subAck(msg.variableHeader().messageId(), codes));
        int k = 0;
        for (Map.Entry<String, Integer> e : added.entrySet()) {
            for (String topic : retainedNow.get(k)) {
                session.out.retainedOwed.add(topic, e.getValue());
            }
            k++;
        }
        session.ch.flush();
        session.hooks.subscribed(msg, granted); // client.subscribe, session.subscribed
        session.out.drainRetained();
        if (wasEmpty && session.hasSubscriptions()) {
            session.out.saveOffset();
        }
    }

    /** An UNSUBSCRIBE: the filters the session has are unrouted and forgotten; UNSUBACK. */
    void unsubscribe(MqttUnsubscribeMessage msg) {
        List<String> removed = new ArrayList<>();
        List<Short> codes = new ArrayList<>();
        for (String filter : msg.payload().topics()) {
            if (session.subscriptions.remove(filter)) {
                session.broker.unsubscribe(filter, session.out.qos0);
                session.events.unsubscribed(session, filter);
                removed.add(filter);
                codes.add((short) 0);
            } else {
                codes.add((short) 0x11); // no subscription existed
            }
        }
        session.hooks.unsubscribed(msg.payload().topics(), removed); // client.unsubscribe, session.unsubscribed
        if (!removed.isEmpty()) {
            persistSubscriptions();
            if (session.subscriptions.isEmpty()) {
                session.out.stopReading();
            }
        }
        session.ch.writeAndFlush(session.protocol.unsubAck(msg.variableHeader().messageId(), codes));
    }

    private void persistSubscriptions() {
        if (session.persistent) {
            session.broker.subscriptions().put(session.clientId(), session.subscriptions.asMap());
        }
    }
}
