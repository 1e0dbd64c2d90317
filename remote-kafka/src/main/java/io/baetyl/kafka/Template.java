package io.baetyl.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A text with {@code ${name}} placeholders, as EMQX's and HiveMQ's Kafka mappings write them: {@code ${topic}},
 * {@code mqtt-${topic}}, {@code ${payload.vin}}. Parsed once; rendering is a walk over the parts.
 */
final class Template {
    private final List<String> literals = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    private Template() {
    }

    /** Parses {@code text}; an unclosed or empty {@code ${} is an error naming it. */
    static Template parse(String text) {
        Template t = new Template();
        int i = 0;
        StringBuilder lit = new StringBuilder();
        while (i < text.length()) {
            int open = text.indexOf("${", i);
            if (open < 0) {
                lit.append(text, i, text.length());
                break;
            }
            lit.append(text, i, open);
            int close = text.indexOf('}', open + 2);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed placeholder in '" + text + "'");
            }
            String name = text.substring(open + 2, close).trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty placeholder ${} in '" + text + "'");
            }
            t.literals.add(lit.toString());
            lit.setLength(0);
            t.names.add(name);
            i = close + 1;
        }
        t.literals.add(lit.toString());
        return t;
    }

    /** The placeholder names in order of appearance. */
    List<String> names() {
        return names;
    }

    boolean isFixed() {
        return names.isEmpty();
    }

    boolean uses(String name) {
        return names.contains(name);
    }

    boolean usesPrefix(String prefix) {
        return names.stream().anyMatch(n -> n.startsWith(prefix));
    }

    /** Renders with {@code values} (null counts as empty). */
    String render(Function<String, String> values) {
        if (names.isEmpty()) {
            return literals.get(0);
        }
        StringBuilder b = new StringBuilder(literals.get(0));
        for (int i = 0; i < names.size(); i++) {
            String v = values.apply(names.get(i));
            if (v != null) {
                b.append(v);
            }
            b.append(literals.get(i + 1));
        }
        return b.toString();
    }

    /**
     * The first placeholder of {@code text} not in {@code allowed} (an entry ending in '.' allows every name with that
     * prefix), or null when all are known.
     */
    static String unknownPlaceholder(String text, List<String> allowed) {
        for (String n : parse(text).names) {
            boolean ok = allowed.stream().anyMatch(a -> a.endsWith(".") ? n.startsWith(a) && n.length() > a.length() : a.equals(n));
            if (!ok) {
                return n;
            }
        }
        return null;
    }
}
