package io.baetyl.hub.broker;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.topic.Topics;
import io.baetyl.hub.topic.TopicTree;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Who gets a message: the topic tree of the connected subscribers (QoS 0 goes straight through it), the shared
 * subscriptions' groups, and the configured {@code subscriptions} routes.
 */
final class Routing {
    /** QoS 0 routing: key is the subscriber object, value its filter's QoS. */
    private final TopicTree<Object, Sub> tree = new TopicTree<>();
    private final List<Route> routes = new ArrayList<>();
    private final SharedSubscriptions shared = new SharedSubscriptions();
    private final Broker broker;
    private final SubscriptionStore subscriptions;

    /** A subscription in the tree. */
    record Sub(Subscriber target, int qos) {
    }

    /** A configured {@code subscriptions} entry. */
    final class Route implements Subscriber {
        final HubConfig.Subscription config;

        Route(HubConfig.Subscription config) {
            this.config = config;
        }

        @Override
        public void deliverQos0(Message m) {
            broker.publish(m.withTopicQos(config.target.topic, 0), null);
        }
    }

    /** Routes publish through {@code broker}; {@code subscriptions} are the persistent sessions' (offline) ones. */
    Routing(Broker broker, List<HubConfig.Subscription> configured, SubscriptionStore subscriptions) {
        this.broker = broker;
        this.subscriptions = subscriptions;
        for (HubConfig.Subscription s : configured) {
            Route r = new Route(s);
            routes.add(r);
            tree.add(s.source.topic, r, new Sub(r, s.source.qos));
        }
    }

    /**
     * Subscribes {@code s} (the session of {@code clientId}) to {@code filter}; a shared subscription
     * {@code $share/{group}/{f}} joins its group, which is one subscriber of {@code f} in the tree.
     */
    void subscribe(String filter, String clientId, Subscriber s, int qos) {
        Topics.Shared shared = Topics.shared(filter);
        if (shared == null) {
            tree.add(filter, s, new Sub(s, qos));
        } else {
            this.shared.join(filter, shared, clientId, s, g -> tree.add(shared.filter(), g, new Sub(g, 0)));
        }
    }

    /** Subscribes a route or another non-session subscriber (not shared). */
    void subscribe(String filter, Subscriber s, int qos) {
        tree.add(filter, s, new Sub(s, qos));
    }

    void unsubscribe(String filter, Subscriber s) {
        Topics.Shared shared = Topics.shared(filter);
        if (shared == null) {
            tree.remove(filter, s);
        } else {
            this.shared.leave(filter, s, g -> tree.remove(shared.filter(), g));
        }
    }

    /** Shared subscriptions' groups: which member delivers which logged message. */
    SharedSubscriptions shared() {
        return shared;
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
    boolean hasSubscriber(String topic, int qos) {
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

    int routeCount() {
        return routes.size();
    }
}
