package io.baetyl.hub.topic;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Baetyl hub's topic rules: publish topics and subscription filters are at most 255 bytes, have at most 8 '/',
 * never start with '$', carry no NUL; publish topics have no wildcards; in filters '#' is a whole last level and
 * '+' a whole level. Also the "does filter match topic" test, where "a/#" matches "a" as the spec says.
 */
public final class Topics {
    public static final int MAX_LENGTH = 255;
    public static final int MAX_SLASHES = 8;
    private static final Pattern CLIENT_ID = Pattern.compile("^[0-9A-Za-z_-]{1,128}$");

    private Topics() {
    }

    /** Empty, or 1 to 128 of {@code [0-9A-Za-z_-]}. */
    public static boolean isValidClientId(String id) {
        return id == null || id.isEmpty() || CLIENT_ID.matcher(id).matches();
    }

    public static boolean containsWildcard(String topic) {
        return topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0;
    }

    private static boolean basicValid(String topic) {
        if (topic == null || topic.isEmpty() || topic.charAt(0) == '$') {
            return false;
        }
        // U+FFFD is what the decoder leaves for bytes that are not UTF-8; treat it as invalid input.
        if (topic.indexOf('\u0000') >= 0 || topic.indexOf('\uFFFD') >= 0) {
            return false;
        }
        int slashes = 0;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                slashes++;
            }
        }
        if (slashes > MAX_SLASHES) {
            return false;
        }
        return utf8Length(topic) <= MAX_LENGTH;
    }

    static int utf8Length(String s) {
        int n = s.length();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return n;
    }

    /** A topic a client may publish to. */
    public static boolean isValidPublishTopic(String topic) {
        return basicValid(topic) && !containsWildcard(topic);
    }

    /** A filter a client may subscribe to (also used for permits and subscription sources). */
    public static boolean isValidFilter(String filter) {
        if (!basicValid(filter)) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if (l.indexOf('#') >= 0 && (!l.equals("#") || i != levels.length - 1)) {
                return false;
            }
            if (l.indexOf('+') >= 0 && !l.equals("+")) {
                return false;
            }
        }
        return true;
    }

    /** The prefix of a shared subscription's filter, {@code $share/{group}/{filter}} (MQTT 5 §4.8.2). */
    public static final String SHARE_PREFIX = "$share/";

    /** A shared subscription: its group and the filter its members match topics against. */
    public record Shared(String group, String filter) {
    }

    /**
     * The group and inner filter of {@code $share/{group}/{filter}}, or null if {@code filter} does not start with
     * {@code $share/} or is malformed (an empty group, a group with {@code + # /}, an invalid inner filter).
     */
    public static Shared shared(String filter) {
        if (filter == null || !filter.startsWith(SHARE_PREFIX)) {
            return null;
        }
        int slash = filter.indexOf('/', SHARE_PREFIX.length());
        if (slash <= SHARE_PREFIX.length()) {
            return null;
        }
        String group = filter.substring(SHARE_PREFIX.length(), slash);
        String inner = filter.substring(slash + 1);
        if (group.indexOf('+') >= 0 || group.indexOf('#') >= 0 || !(isValidFilter(inner) || isSysFilter(inner))) {
            return null;
        }
        return new Shared(group, inner);
    }

    /**
     * A filter on the broker's {@code $SYS/...} topics (otherwise following the filter rules). Subscribing to one needs
     * a permit that covers it, such as {@code $SYS/#}.
     */
    public static boolean isSysFilter(String filter) {
        return filter != null && filter.startsWith("$SYS/") && isValidFilter(filter.substring(1));
    }

    /** MQTT 3.1.1 4.7.2: a filter starting with a wildcard never matches a topic starting with '$'. */
    static boolean wildcardMissesDollar(String filter, String topic) {
        return !topic.isEmpty() && topic.charAt(0) == '$' && !filter.isEmpty()
                && (filter.charAt(0) == '#' || filter.charAt(0) == '+');
    }

    /** True if the (valid) filter matches the (valid, wildcard-free) topic. */
    public static boolean matches(String filter, String topic) {
        if (wildcardMissesDollar(filter, topic)) {
            return false;
        }
        int f = 0;
        int t = 0;
        int fl = filter.length();
        int tl = topic.length();
        while (true) {
            int fe = filter.indexOf('/', f);
            if (fe < 0) {
                fe = fl;
            }
            int fLen = fe - f;
            if (fLen == 1 && filter.charAt(f) == '#') {
                return true;
            }
            if (t > tl) {
                // topic has no more levels: only a trailing "#" level matches (checked above)
                return false;
            }
            int te = topic.indexOf('/', t);
            if (te < 0) {
                te = tl;
            }
            boolean plus = fLen == 1 && filter.charAt(f) == '+';
            if (!plus && (fLen != te - t || !filter.regionMatches(f, topic, t, fLen))) {
                return false;
            }
            boolean fEnd = fe == fl;
            boolean tEnd = te == tl;
            if (fEnd && tEnd) {
                return true;
            }
            if (fEnd) {
                return false;
            }
            f = fe + 1;
            t = te + 1;
            if (tEnd) {
                // the topic is exhausted: "a/#" still matches "a"
                t = tl + 1;
            }
        }
    }

    /**
     * True if every topic matched by {@code filter} is also matched by {@code permit}; used for subscribe ACLs so that
     * a permit "a/+" does not allow subscribing to "a/#".
     */
    public static boolean covers(String permit, String filter) {
        if (wildcardMissesDollar(permit, filter)) {
            return false; // a permit "#" does not give $SYS: it needs a permit starting with "$SYS"
        }
        String[] p = permit.split("/", -1);
        String[] f = filter.split("/", -1);
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals("#")) {
                return true;
            }
            if (i >= f.length) {
                return false;
            }
            if (f[i].equals("#")) {
                return false;
            }
            if (p[i].equals("+")) {
                continue;
            }
            if (f[i].equals("+") || !p[i].equals(f[i])) {
                return false;
            }
        }
        return p.length == f.length;
    }
}
