package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.topic.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One session's subscriptions (filter → {@link SubscriptionOptions}-packed options) and what a delivery asks of them:
 * which filters match a message, at which QoS, with which MQTT 5 options and subscription identifiers. Shared
 * subscriptions ({@code $share/{group}/{filter}}) match by their inner filter, and a logged message only for the
 * member its group gave it to. Event-loop only, except {@link #count()}.
 */
final class SubscriptionSet {
    private final Broker broker;
    private final String clientId;
    private Map<String, Integer> filters;
    /** The shared subscriptions among {@link #filters}: {@code $share/{group}/{f}} → {@code f}; null if none. */
    private Map<String, String> shared;
    /** Some subscription has MQTT 5 options (no-local, retain as published, an identifier) or is shared. */
    private boolean hasOptions;

    SubscriptionSet(Broker broker, String clientId) {
        this.broker = broker;
        this.clientId = clientId;
    }

    /** Adds or replaces {@code filter}; true if it was there already. */
    boolean put(String filter, int options) {
        if (filters == null) {
            filters = new LinkedHashMap<>();
        }
        boolean existed = filters.put(filter, options) != null;
        hasOptions |= SubscriptionOptions.hasV5Options(options);
        Topics.Shared sh = Topics.shared(filter);
        if (sh != null) {
            if (shared == null) {
                shared = new HashMap<>();
            }
            shared.put(filter, sh.filter());
            hasOptions = true; // a logged message matches a shared subscription only for its owner
        }
        return existed;
    }

    /** Removes {@code filter}; false if there was no such subscription. */
    boolean remove(String filter) {
        if (filters == null || filters.remove(filter) == null) {
            return false;
        }
        if (shared != null) {
            shared.remove(filter);
        }
        return true;
    }

    boolean contains(String filter) {
        return filters != null && filters.containsKey(filter);
    }

    boolean isShared(String filter) {
        return shared != null && shared.containsKey(filter);
    }

    boolean isEmpty() {
        return filters == null || filters.isEmpty();
    }

    /** The filters with their packed options (what is stored for a persistent session); empty if none. */
    Map<String, Integer> asMap() {
        return filters == null ? Map.of() : filters;
    }

    /** Subscriptions now; read from another thread, so a close count. */
    int count() {
        Map<String, Integer> f = filters;
        return f == null ? 0 : f.size();
    }

    boolean hasOptions() {
        return hasOptions;
    }

    /**
     * The highest QoS of the filters matching {@code m}, or -1; with {@link SubscriptionOptions#MATCH_RETAIN} set if a
     * matching filter keeps the retain flag as published. A no-local filter does not match the client's own messages.
     */
    int match(Message m) {
        int best = -1;
        int retain = 0;
        boolean own = hasOptions && m.clientId.equals(clientId);
        for (Map.Entry<String, Integer> e : filters.entrySet()) {
            int o = e.getValue();
            int q = SubscriptionOptions.qos(o);
            if ((q > best || (hasOptions && retain == 0)) && matches(e.getKey(), m)) {
                if (own && (o & SubscriptionOptions.NO_LOCAL) != 0) {
                    continue;
                }
                best = Math.max(best, q);
                if ((o & SubscriptionOptions.RETAIN_AS_PUBLISHED) != 0) {
                    retain = SubscriptionOptions.MATCH_RETAIN;
                }
                if (best == 2 && !hasOptions) {
                    break;
                }
            }
        }
        return best < 0 ? -1 : best | retain;
    }

    /**
     * Whether the subscription {@code filter} matches {@code m}: a shared one by its inner filter and, for a logged
     * message, only if its group gave the message to this session (a QoS 0 message was handed here by the group).
     */
    private boolean matches(String filter, Message m) {
        String inner = shared == null ? null : shared.get(filter);
        if (inner == null) {
            return Topics.matches(filter, m.topic);
        }
        return Topics.matches(inner, m.topic) && (m.seq <= 0 || broker.shared().owns(filter, m.seq, clientId));
    }

    /** The subscription identifiers of the filters matching {@code m} (MQTT 5 PUBLISH), ascending. */
    List<Integer> subscriptionIds(Message m) {
        if (!hasOptions || filters == null) {
            return List.of();
        }
        List<Integer> ids = null;
        for (Map.Entry<String, Integer> e : filters.entrySet()) {
            int id = SubscriptionOptions.id(e.getValue());
            if (id > 0) {
                String inner = shared == null ? null : shared.get(e.getKey());
                if (Topics.matches(inner == null ? e.getKey() : inner, m.topic)) {
                    if (ids == null) {
                        ids = new ArrayList<>(2);
                    }
                    ids.add(id);
                }
            }
        }
        if (ids == null) {
            return List.of();
        }
        ids.sort(null);
        return ids;
    }
}
