package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The hub's clients and their subscriptions, for the report to the master (the console's hub page): connected
 * clients first, then persistent sessions of clients that are away, sorted by client id, at most
 * {@link #MAX_CLIENTS} of them with at most {@link #MAX_SUBSCRIPTIONS} subscriptions each, so that the report stays
 * far below the master's 64 KB per instance. Each connection is asked on its own event loop.
 */
public final class ClientListing {
    public static final int MAX_CLIENTS = 100;
    public static final int MAX_SUBSCRIPTIONS = 20;

    private ClientListing() {
    }

    /** Subscriptions of every connected client (read without stopping them: a close count). */
    public static long subscriptionCount(Broker broker) {
        long[] n = {0};
        broker.sessions().forEach(s -> {
            if (s instanceof Session c) {
                n[0] += c.subscriptionCount();
            }
        });
        return n[0];
    }

    /** {@code {total, truncated, clients: [{clientid, username, address, connected, subscriptions: [{topic, qos}]}]}}. */
    public static Map<String, Object> list(Broker broker) {
        TreeMap<String, Session> connected = new TreeMap<>();
        broker.sessions().forEach(s -> {
            if (s instanceof Session c && c.connected()) {
                connected.put(c.clientId(), c);
            }
        });
        List<Map<String, Object>> clients = new ArrayList<>();
        List<CompletableFuture<Map<String, Object>>> asked = new ArrayList<>();
        for (Session c : connected.values()) {
            if (asked.size() >= MAX_CLIENTS) {
                break;
            }
            asked.add(c.describe(MAX_SUBSCRIPTIONS));
        }
        for (CompletableFuture<Map<String, Object>> f : asked) {
            try {
                Map<String, Object> d = f.get(1, TimeUnit.SECONDS);
                if (d != null) {
                    clients.add(d);
                }
            } catch (Exception e) {
                // closed meanwhile, or its loop is busy: left out of this report
            }
        }
        int offline = 0;
        TreeMap<String, Map<String, Integer>> stored = new TreeMap<>();
        broker.subscriptions().forEach(stored::put);
        for (Map.Entry<String, Map<String, Integer>> e : stored.entrySet()) {
            if (connected.containsKey(e.getKey())) {
                continue;
            }
            offline++;
            if (clients.size() < MAX_CLIENTS) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("clientid", e.getKey());
                d.put("connected", false);
                d.put("subscriptions", subscriptions(e.getValue(), MAX_SUBSCRIPTIONS));
                clients.add(d);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        int total = connected.size() + offline;
        out.put("total", total);
        out.put("truncated", total > clients.size());
        out.put("clients", clients);
        return out;
    }

    static List<Map<String, Object>> subscriptions(Map<String, Integer> subs, int max) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Integer> s : subs.entrySet()) {
            if (out.size() >= max) {
                break;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("topic", s.getKey());
            m.put("qos", SubscriptionOptions.qos(s.getValue()));
            out.add(m);
        }
        return out;
    }
}
