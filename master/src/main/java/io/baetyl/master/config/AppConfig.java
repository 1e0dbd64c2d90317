package io.baetyl.master.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.baetyl.sdk.config.Validated;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code var/db/baetyl/application.yml} in the compose shape. Files in the older v0 list format are converted to this
 * by {@link AppConfigLoader}. Validation covers names, images, restart policies and the {@code depends_on} graph:
 * unlike Baetyl, a missing dependency or a cycle is an error instead of a service that silently never starts.
 */
public class AppConfig implements Validated {
    public static final String DEFAULT_PATH = "var/db/baetyl/application.yml";

    public String version = "";
    public String name = "";
    @JsonProperty("app_version")
    public String appVersion = "";
    public LinkedHashMap<String, ServiceSpec> services = new LinkedHashMap<>();
    public LinkedHashMap<String, VolumeSpec> volumes = new LinkedHashMap<>();
    public LinkedHashMap<String, NetworkSpec> networks = new LinkedHashMap<>();

    @Override
    public void validate() {
        for (Map.Entry<String, ServiceSpec> e : services.entrySet()) {
            String key = e.getValue() == null ? "services." + e.getKey() : e.getValue().keyIn(e.getKey());
            if (!ServiceSpec.NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException(key + ": invalid service name '" + e.getKey()
                        + "' (letters, digits, '_' and '-', starting with a letter or digit, at most 64)");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException(key + ": is empty (it needs at least an image)");
            }
            e.getValue().validate(key);
            for (int i = 0; i < e.getValue().volumes.size(); i++) {
                ServiceVolume v = e.getValue().volumes.get(i);
                if (!volumes.containsKey(v.source)) { // a named volume is docker's, not a path
                    io.baetyl.master.security.PathGuard.relative(v.keyIn(key, i), v.source);
                }
            }
            for (String dep : e.getValue().dependsOn) {
                if (!services.containsKey(dep)) {
                    throw new IllegalArgumentException(key + ".depends_on: service '" + dep + "' does not exist");
                }
            }
        }
        startOrder(); // throws on a cycle
    }

    /**
     * Services in start order: every service after the ones it depends on, otherwise in file order (Kahn's
     * algorithm, taking the earliest ready service each time).
     *
     * @throws IllegalArgumentException naming the services caught in a dependency cycle
     */
    public List<String> startOrder() {
        Map<String, Integer> pending = new LinkedHashMap<>();
        Map<String, List<String>> dependents = new LinkedHashMap<>();
        for (Map.Entry<String, ServiceSpec> e : services.entrySet()) {
            pending.put(e.getKey(), (int) e.getValue().dependsOn.stream().distinct().filter(services::containsKey).count());
            for (String dep : e.getValue().dependsOn.stream().distinct().toList()) {
                dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(e.getKey());
            }
        }
        List<String> order = new ArrayList<>();
        Deque<String> ready = new ArrayDeque<>();
        pending.forEach((name, n) -> {
            if (n == 0) {
                ready.add(name);
            }
        });
        while (!ready.isEmpty()) {
            String next = ready.poll();
            order.add(next);
            for (String d : dependents.getOrDefault(next, List.of())) {
                if (pending.merge(d, -1, Integer::sum) == 0) {
                    ready.add(d);
                }
            }
        }
        if (order.size() != services.size()) {
            String stuck = services.keySet().stream().filter(s -> !order.contains(s)).collect(Collectors.joining(", "));
            throw new IllegalArgumentException("depends_on: dependency cycle between services " + stuck);
        }
        return order;
    }
}
