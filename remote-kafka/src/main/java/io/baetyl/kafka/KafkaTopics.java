package io.baetyl.kafka;

/** Kafka's rules for topic names: 1 to 249 characters of {@code a-z A-Z 0-9 . _ -}, and not "." or "..". */
final class KafkaTopics {
    static final int MAX_LENGTH = 249;

    private KafkaTopics() {
    }

    static boolean isLegal(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH || name.equals(".") || name.equals("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!legal(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean legal(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    }

    /** Replaces every character Kafka does not allow in a topic name by '_'. */
    static String sanitize(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!legal(c)) {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, '_');
            }
        }
        return b == null ? s : b.toString();
    }
}
