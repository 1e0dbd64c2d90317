package io.baetyl.hub.auth;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.topic.Topics;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Baetyl's principals: a CONNECT with a password must match a principal that has that password; a CONNECT without
 * one is accepted only over two-way TLS, for a principal without password named by the CONNECT username.
 */
public final class Authenticator {
    private final Map<String, Account> accounts = new HashMap<>();

    /** An authenticated principal and its permits. */
    public static final class Account {
        private final String username;
        private final String password;
        private final List<String> pub;
        private final List<String> sub;

        Account(String username, String password, List<String> pub, List<String> sub) {
            this.username = username;
            this.password = password;
            this.pub = pub;
            this.sub = sub;
        }

        /** A client the hub's principals do not know but an ExHook server authenticated: no permits of its own. */
        public static Account withoutPermits(String username) {
            return new Account(username, null, List.of(), List.of());
        }

        public String username() {
            return username;
        }

        /** May this principal publish to {@code topic} (a valid publish topic)? */
        public boolean canPublish(String topic) {
            for (String p : pub) {
                if (Topics.matches(p, topic)) {
                    return true;
                }
            }
            return false;
        }

        /** May this principal subscribe to {@code filter}: some permit must cover every topic the filter matches. */
        public boolean canSubscribe(String filter) {
            for (String p : sub) {
                if (Topics.covers(p, filter)) {
                    return true;
                }
            }
            return false;
        }
    }

    public Authenticator(List<HubConfig.Principal> principals) {
        for (HubConfig.Principal p : principals) {
            Set<String> pub = new LinkedHashSet<>();
            Set<String> sub = new LinkedHashSet<>();
            for (HubConfig.Permission perm : p.permissions) {
                ("pub".equals(perm.action) ? pub : sub).addAll(perm.permits);
            }
            accounts.put(p.username, new Account(p.username, p.password, new ArrayList<>(pub), new ArrayList<>(sub)));
        }
    }

    /** Username/password login; null if refused. */
    public Account authenticate(String username, String password) {
        if (username == null || username.isEmpty() || password == null || password.isEmpty()) {
            return null;
        }
        Account a = accounts.get(username);
        if (a == null || a.password == null || a.password.isEmpty()) {
            return null;
        }
        // constant-time compare: the password is a shared secret
        boolean ok = MessageDigest.isEqual(a.password.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
        return ok ? a : null;
    }

    /** Certificate login (the TLS layer has already verified the client certificate); null if refused. */
    public Account authenticateCertificate(String username) {
        if (username == null || username.isEmpty()) {
            return null;
        }
        Account a = accounts.get(username);
        if (a == null || (a.password != null && !a.password.isEmpty())) {
            return null;
        }
        return a;
    }
}
