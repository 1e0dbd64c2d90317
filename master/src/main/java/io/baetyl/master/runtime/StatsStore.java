package io.baetyl.master.runtime;

import com.fasterxml.jackson.core.type.TypeReference;
import io.baetyl.sdk.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-instance stats of every service ({@code service → instance → key → value}), persisted as YAML to
 * {@code var/db/baetyl/application.stats} when an instance starts or stops, so that a master restarted after a crash
 * can find and stop the instances the old one left behind. Reports from instances are merged in memory only.
 */
public final class StatsStore {
    private static final Logger log = LoggerFactory.getLogger(StatsStore.class);
    private static final TypeReference<Map<String, Map<String, Map<String, Object>>>> TYPE = new TypeReference<>() {
    };

    private final Path file;
    private final Map<String, Map<String, Map<String, Object>>> stats = new LinkedHashMap<>();

    public StatsStore(Path file) {
        this.file = file;
    }

    /** What the previous master persisted; empty when there is no readable file. */
    public Map<String, Map<String, Map<String, Object>>> loadPrevious() {
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            Map<String, Map<String, Map<String, Object>>> prev = ConfigLoader.yamlMapper().readValue(file.toFile(), TYPE);
            return prev == null ? Map.of() : prev;
        } catch (IOException e) {
            log.warn("cannot read {}: {}; no orphan instances will be recovered", file, e.getMessage());
            return Map.of();
        }
    }

    /** Shallow merge: top-level keys of {@code partial} replace the instance's. */
    public synchronized void setInstance(String service, String instance, Map<String, Object> partial, boolean persist) {
        stats.computeIfAbsent(service, k -> new LinkedHashMap<>())
                .computeIfAbsent(instance, k -> new LinkedHashMap<>())
                .putAll(partial);
        if (persist) {
            persist();
        }
    }

    public synchronized void removeInstance(String service, String instance, boolean persist) {
        Map<String, Map<String, Object>> s = stats.get(service);
        if (s != null) {
            s.remove(instance);
        }
        if (persist) {
            persist();
        }
    }

    public synchronized void removeService(String service, boolean persist) {
        stats.remove(service);
        if (persist) {
            persist();
        }
    }

    /** A copy of one instance's stats, or null. */
    public synchronized Map<String, Object> instance(String service, String instance) {
        Map<String, Map<String, Object>> s = stats.get(service);
        Map<String, Object> i = s == null ? null : s.get(instance);
        return i == null ? null : new LinkedHashMap<>(i);
    }

    /** A deep-enough copy of one service's instances (the per-instance maps are copied). */
    public synchronized Map<String, Map<String, Object>> service(String service) {
        Map<String, Map<String, Object>> copy = new LinkedHashMap<>();
        stats.getOrDefault(service, Map.of()).forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
        return copy;
    }

    private void persist() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            ConfigLoader.yamlMapper().writeValue(tmp.toFile(), stats);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.error("cannot persist instance stats to {}: {}", file, e.toString());
        }
    }
}
