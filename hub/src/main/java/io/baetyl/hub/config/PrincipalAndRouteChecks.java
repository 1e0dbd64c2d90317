package io.baetyl.hub.config;

import io.baetyl.hub.topic.Topics;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The checks of {@code principals} and {@code subscriptions} that baetyl-hub makes, with its messages. */
public final class PrincipalAndRouteChecks {
    private PrincipalAndRouteChecks() {
    }

    /** Same checks and messages as the original's {@code principalsValidate}, prefixed with the key. */
    public static void validatePrincipals(List<HubConfig.Principal> principals) {
        Set<String> users = new HashSet<>();
        for (HubConfig.Principal p : principals) {
            if (!users.add(p.username)) {
                throw new IllegalArgumentException("principals: username (" + p.username + ") duplicate");
            }
        }
        for (HubConfig.Principal p : principals) {
            for (HubConfig.Permission perm : p.permissions) {
                if (!"pub".equals(perm.action) && !"sub".equals(perm.action)) {
                    throw new IllegalArgumentException("principals: action (" + perm.action + ") must be pub or sub");
                }
                for (String permit : perm.permits) {
                    if (!Topics.isValidFilter(permit) && !Topics.isSysFilter(permit)) {
                        throw new IllegalArgumentException("principals: " + perm.action + " topic(" + permit + ") invalid");
                    }
                }
            }
        }
    }

    /** Same checks and messages as the original's {@code subscriptionsValidate}, prefixed with the key. */
    public static void validateSubscriptions(List<HubConfig.Subscription> subs) {
        for (HubConfig.Subscription s : subs) {
            if (!Topics.isValidFilter(s.source.topic) || s.source.qos < 0 || s.source.qos > 1) {
                throw new IllegalArgumentException("subscriptions: [" + s.source + "] source topic invalid");
            }
            if (!Topics.isValidPublishTopic(s.target.topic) || s.target.qos < 0 || s.target.qos > 1) {
                throw new IllegalArgumentException("subscriptions: [" + s.target + "] target topic invalid");
            }
        }
        Set<List<String>> pairs = new HashSet<>();
        for (HubConfig.Subscription s : subs) {
            if (!pairs.add(List.of(s.source.topic, s.target.topic))) {
                throw new IllegalArgumentException("subscriptions: duplicate source and target config");
            }
        }
        if (hasCycle(subs)) {
            throw new IllegalArgumentException("subscriptions: found cycle in source and target config");
        }
    }

    /**
     * Routes form a graph topic → target; a wildcard source stands for every target topic it matches (a route's
     * output is the only thing that can feed another route in a loop).
     */
    static boolean hasCycle(List<HubConfig.Subscription> subs) {
        Map<String, Set<String>> edges = new HashMap<>();
        Set<String> targets = new LinkedHashSet<>();
        for (HubConfig.Subscription s : subs) {
            targets.add(s.target.topic);
        }
        for (HubConfig.Subscription s : subs) {
            if (Topics.containsWildcard(s.source.topic)) {
                for (String t : targets) {
                    if (Topics.matches(s.source.topic, t)) {
                        edges.computeIfAbsent(t, k -> new LinkedHashSet<>()).add(s.target.topic);
                    }
                }
            } else {
                edges.computeIfAbsent(s.source.topic, k -> new LinkedHashSet<>()).add(s.target.topic);
            }
        }
        Map<String, Integer> state = new HashMap<>(); // 1 = on the current path, 2 = done
        for (String v : edges.keySet()) {
            if (dfs(v, edges, state)) {
                return true;
            }
        }
        return false;
    }

    private static boolean dfs(String v, Map<String, Set<String>> edges, Map<String, Integer> state) {
        Integer st = state.get(v);
        if (st != null) {
            return st == 1;
        }
        state.put(v, 1);
        for (String w : edges.getOrDefault(v, Set.of())) {
            if (dfs(w, edges, state)) {
                return true;
            }
        }
        state.put(v, 2);
        return false;
    }
}
