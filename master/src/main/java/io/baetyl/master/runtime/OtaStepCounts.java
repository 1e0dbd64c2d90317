package io.baetyl.master.runtime;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** How many OTA steps of each type (APP, MST) and kind (UPDATING, ...) this master has taken; for /metrics. */
public final class OtaStepCounts {
    /** A handful of keys at most: two types times six steps. */
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void count(String type, String step) {
        counts.computeIfAbsent(type + "/" + step, k -> new LongAdder()).increment();
    }

    /** {@code "TYPE/STEP"} to count, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
