package io.baetyl.master.console;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Console logins: a random 256-bit session id (the cookie) maps to the principal, a CSRF token the page sends back
 * with every action, and for a service login the token it logged in with. A session ends after
 * {@code console.session.timeout} without use, at logout, or when {@link #MAX_SESSIONS} newer ones exist. Nothing
 * is persisted: a master restart logs everyone out.
 */
final class Sessions {
    static final int MAX_SESSIONS = 64;

    record Session(String id, String csrf, Principal principal, String serviceToken) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final long timeoutMillis;
    /** In order of last use (access order), oldest first. */
    private final Map<String, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Long> lastUse = new LinkedHashMap<>();

    Sessions(Clock clock, Duration timeout) {
        this.clock = clock;
        this.timeoutMillis = timeout.toMillis();
    }

    synchronized Session open(Principal principal, String serviceToken) {
        expire();
        while (sessions.size() >= MAX_SESSIONS) {
            String oldest = sessions.keySet().iterator().next();
            remove(oldest);
        }
        Session s = new Session(randomId(), randomId(), principal, serviceToken);
        sessions.put(s.id(), s);
        lastUse.put(s.id(), clock.millis());
        return s;
    }

    /** The live session of that id, touched; null when unknown or expired. */
    synchronized Session get(String id) {
        if (id == null) {
            return null;
        }
        expire();
        Session s = sessions.get(id);
        if (s != null) {
            lastUse.put(id, clock.millis());
        }
        return s;
    }

    synchronized void remove(String id) {
        sessions.remove(id);
        lastUse.remove(id);
    }

    synchronized int size() {
        return sessions.size();
    }

    private void expire() {
        long now = clock.millis();
        for (Iterator<Map.Entry<String, Long>> it = lastUse.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (now - e.getValue() > timeoutMillis) {
                sessions.remove(e.getKey());
                it.remove();
            }
        }
    }

    private String randomId() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
