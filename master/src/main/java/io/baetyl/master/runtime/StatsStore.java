package io.baetyl.master.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.master.api.ApiException;
import io.baetyl.master.security.LogSafe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-instance stats of every service, in three parts kept apart:
 * <ul>
 *   <li>the master's view ({@code status}, {@code start_time}, {@code restart_count}, ...), shown by inspect;</li>
 *   <li>the record of what the master started ({@code process} or {@code container}), the only part persisted to
 *       {@code application.stats} ({@link StatsFile}) and the only thing recovery after a crash trusts;</li>
 *   <li>what the instance reported through the API, merged shallowly as in Baetyl, kept in memory only, and bounded
 *       to {@link #MAX_REPORTED_BYTES} per instance.</li>
 * </ul>
 * A report can neither set the master's keys nor touch the record. An instance's entry belongs to the
 * {@link Handle} that opened it: a stopped instance cannot change the entry of a newer one of the same name.
 */
public final class StatsStore {
    private static final Logger log = LoggerFactory.getLogger(StatsStore.class);
    /** Serialized size of one instance's reported keys, all together. */
    public static final int MAX_REPORTED_BYTES = 64 * 1024;
    /** Keys the master sets; a report naming one is refused. */
    static final Set<String> MASTER_KEYS = Set.of("name", "status", "process", "container", "create_time",
            "start_time", "finish_time", "exit_code", "restart_count", "reports_refused");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StatsFile file;
    private final Map<String, Map<String, Entry>> services = new LinkedHashMap<>();

    private static final class Entry {
        final Map<String, Object> master = new LinkedHashMap<>();
        Map<String, Object> record = Map.of();
        final Map<String, Object> reported = new LinkedHashMap<>();
        final Map<String, Integer> reportedSizes = new HashMap<>();
        int reportedBytes;
        long refused;
        /** When the last report was merged (epoch millis), 0 before the first. */
        long reportedAt;
    }

    public StatsStore(Path file) {
        this.file = new StatsFile(file);
    }

    /** The records the previous master persisted (service → instance → {process|container}); empty when none. */
    public Map<String, Map<String, Map<String, Object>>> loadPrevious() {
        return file.read();
    }

    /** Starts a fresh entry for an instance, replacing any entry of that name; the handle is its only writer. */
    public synchronized Handle open(String service, String instance) {
        Entry e = new Entry();
        e.master.put("name", instance);
        services.computeIfAbsent(service, k -> new LinkedHashMap<>()).put(instance, e);
        return new Handle(service, instance, e);
    }

    /** The writer of one instance's entry. Once the entry is removed or replaced, its writes are dropped. */
    public final class Handle {
        private final String service;
        private final String instance;
        private final Entry entry;

        private Handle(String service, String instance, Entry entry) {
            this.service = service;
            this.instance = instance;
            this.entry = entry;
        }

        /** Merges master keys into the view inspect shows. */
        public void set(Map<String, Object> partial) {
            synchronized (StatsStore.this) {
                if (current()) {
                    entry.master.putAll(partial);
                }
            }
        }

        /** Replaces the persisted record of what runs (the engine's {@code Instance.record()}) and writes the file. */
        public void record(Map<String, Object> record) {
            synchronized (StatsStore.this) {
                if (current()) {
                    entry.record = Map.copyOf(record);
                    persist();
                }
            }
        }

        /** Removes the entry (and its record from the file), unless a newer instance of the same name replaced it. */
        public void remove() {
            synchronized (StatsStore.this) {
                Map<String, Entry> s = services.get(service);
                if (s != null && s.remove(instance, entry)) {
                    if (s.isEmpty()) {
                        services.remove(service);
                    }
                    if (!entry.record.isEmpty()) {
                        persist();
                    }
                }
            }
        }

        private boolean current() {
            Map<String, Entry> s = services.get(service);
            return s != null && s.get(instance) == entry;
        }
    }

    /**
     * Merges a report into an instance's reported keys: each top-level key replaces the one of the same name.
     *
     * @throws IllegalArgumentException when the instance is unknown or the report names a master key
     * @throws ApiException             413 when the instance's reported keys would exceed {@link #MAX_REPORTED_BYTES};
     *                                  then nothing is merged
     */
    public synchronized void report(String service, String instance, Map<String, Object> partial) {
        Entry e = services.getOrDefault(service, Map.of()).get(instance);
        if (e == null) {
            throw new IllegalArgumentException("instance (" + LogSafe.q(instance) + ") of service ("
                    + LogSafe.q(service) + ") not found");
        }
        for (String key : partial.keySet()) {
            if (MASTER_KEYS.contains(key)) {
                throw new IllegalArgumentException("report: key '" + LogSafe.q(key)
                        + "' is set by the master and cannot be reported");
            }
        }
        Map<String, Integer> sizes = new HashMap<>();
        long total = e.reportedBytes;
        for (Map.Entry<String, Object> kv : partial.entrySet()) {
            int size = size(kv.getKey(), kv.getValue());
            sizes.put(kv.getKey(), size);
            total += size - e.reportedSizes.getOrDefault(kv.getKey(), 0);
        }
        if (total > MAX_REPORTED_BYTES) {
            e.refused++;
            if (e.refused == 1 || e.refused % 100 == 0) {
                log.warn("report refused: service={} instance={} reported_bytes={} limit={} refused_so_far={}",
                        LogSafe.q(service), LogSafe.q(instance), total, MAX_REPORTED_BYTES, e.refused);
            }
            throw ApiException.tooLarge("report refused: the reported stats of instance " + LogSafe.q(instance)
                    + " would take " + total + " bytes, over the limit of " + MAX_REPORTED_BYTES
                    + " bytes per instance; nothing was merged");
        }
        e.reported.putAll(partial);
        e.reportedSizes.putAll(sizes);
        e.reportedBytes = (int) total;
        e.reportedAt = System.currentTimeMillis();
    }

    /** Bytes a key and its value take as JSON: what the limit counts. */
    private static int size(String key, Object value) {
        try {
            return key.length() + 4 + JSON.writeValueAsBytes(value).length;
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("report: value of '" + LogSafe.q(key) + "' cannot be stored");
        }
    }

    /** Drops every entry of a service and its records. */
    public synchronized void removeService(String service) {
        Map<String, Entry> removed = services.remove(service);
        if (removed != null && removed.values().stream().anyMatch(e -> !e.record.isEmpty())) {
            persist();
        }
    }

    /** What inspect shows for one instance: its reports, overlaid by the master's keys; null when unknown. */
    public synchronized Map<String, Object> instance(String service, String instance) {
        Entry e = services.getOrDefault(service, Map.of()).get(instance);
        return e == null ? null : view(e);
    }

    /** {@link #instance} of every instance of a service, in start order. */
    public synchronized Map<String, Map<String, Object>> service(String service) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        services.getOrDefault(service, Map.of()).forEach((name, e) -> out.put(name, view(e)));
        return out;
    }

    /** When each instance of a service last reported (epoch millis; 0: never), for rates computed from reports. */
    public synchronized Map<String, Long> reportTimes(String service) {
        Map<String, Long> out = new LinkedHashMap<>();
        services.getOrDefault(service, Map.of()).forEach((name, e) -> out.put(name, e.reportedAt));
        return out;
    }

    private static Map<String, Object> view(Entry e) {
        Map<String, Object> v = new LinkedHashMap<>(e.reported);
        v.putAll(e.master);
        if (e.refused > 0) {
            v.put("reports_refused", e.refused);
        }
        return v;
    }

    private void persist() {
        Map<String, Map<String, Map<String, Object>>> records = new LinkedHashMap<>();
        services.forEach((svc, instances) -> instances.forEach((name, e) -> {
            if (!e.record.isEmpty()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", name);
                r.putAll(e.record);
                records.computeIfAbsent(svc, k -> new LinkedHashMap<>()).put(name, r);
            }
        }));
        try {
            file.write(records);
        } catch (IOException e) {
            log.error("cannot persist instance records to {}: {}", file.path(), e.toString());
        }
    }
}
