package io.baetyl.master.metrics;

import java.util.List;
import java.util.Map;

/** Reading numbers and maps out of inspect documents and reports, which are plain JSON-shaped values. */
final class Values {
    private Values() {
    }

    /** A number as a double; NaN when absent or not a number (such points are left out). */
    static double num(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return Double.NaN;
    }

    static double num(Map<String, Object> m, String key) {
        return m == null ? Double.NaN : num(m.get(key));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    static Map<String, Object> map(Map<String, Object> m, String key) {
        return m == null ? null : map(m.get(key));
    }

    static List<?> list(Object v) {
        return v instanceof List<?> l ? l : List.of();
    }

    static String str(Object v) {
        return v == null ? "" : String.valueOf(v);
    }
}
