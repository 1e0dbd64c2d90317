package io.baetyl.master.security;

/**
 * Makes a value from outside (an API request, a config file, a file's content) safe to put into a log line or a
 * one-line error: line breaks and other control characters become visible escapes ({@code \n}, {@code \u0007}),
 * so a value can never start a forged log line, and very long values are cut.
 */
public final class LogSafe {
    /** Longer values are cut; a log line is for finding a problem, not for carrying a file. */
    public static final int MAX_CHARS = 300;

    private LogSafe() {
    }

    /** The value escaped and cut to {@link #MAX_CHARS}; {@code null} stays {@code "null"}. */
    public static String q(Object value) {
        return q(value, MAX_CHARS);
    }

    public static String q(Object value, int maxChars) {
        String s = String.valueOf(value);
        StringBuilder sb = null;
        int limit = Math.min(s.length(), maxChars);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            String esc = escape(c);
            if (esc != null && sb == null) {
                sb = new StringBuilder(limit + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (esc != null) {
                    sb.append(esc);
                } else {
                    sb.append(c);
                }
            }
        }
        String out = sb == null ? s.substring(0, limit) : sb.toString();
        if (s.length() > limit) {
            out += "...(" + (s.length() - limit) + " more chars)";
        }
        return out;
    }

    private static String escape(char c) {
        switch (c) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                break;
        }
        // C0 and C1 controls, DEL, and the Unicode line and paragraph separators some viewers break lines on.
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
            return String.format("\\u%04x", (int) c);
        }
        return null;
    }
}
