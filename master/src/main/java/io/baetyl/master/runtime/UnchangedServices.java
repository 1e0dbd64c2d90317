package io.baetyl.master.runtime;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.security.LogSafe;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which running services an app update ({@link Ota}) keeps: those whose definition is unchanged and whose read-only
 * volumes hold the same files as when they started; everything else restarts, and each decision is logged.
 *
 * <p>Apart from the update's sequence (check, stop, start, roll back) because it is a decision on data alone: the
 * update's state (current app, digests) is passed in and nothing here changes it.
 */
final class UnchangedServices {
    // logged as the update's own lines, so that operators see the same logger name as before the split
    private static final Logger log = LoggerFactory.getLogger(Ota.class);

    private UnchangedServices() {
    }

    /** Each service's read-only volumes' content now ({@link MountDigests}), by service name. */
    static Map<String, Map<String, String>> digestsOf(Path workDir, AppConfig app) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        app.services.forEach((name, spec) -> out.put(name, MountDigests.of(workDir, spec, app.volumes.keySet())));
        return out;
    }

    /**
     * The services to keep running: those whose definition is unchanged ({@code keep}) and whose read-only volumes
     * hold the same files as when they started ({@code digests}, of the {@code current} app). Logs each service that
     * restarts, stops or starts, and why.
     */
    static Set<String> keepUnchangedFiles(AppConfig current, Map<String, Map<String, String>> digests, AppConfig next,
            Set<String> keep, Map<String, Map<String, String>> nextDigests) {
        if (current == null) {
            return keep;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String name : next.services.keySet()) {
            if (!current.services.containsKey(name)) {
                log.info("service added: service={}", name);
            } else if (!keep.contains(name)) {
                log.info("service restarted: service={} reason=its definition in application.yml changed", name);
            } else {
                List<String> changed = MountDigests.changed(digests.getOrDefault(name, Map.of()),
                        nextDigests.getOrDefault(name, Map.of()));
                if (changed.isEmpty()) {
                    out.add(name);
                } else {
                    log.info("service restarted: service={} reason=read-only volume {} changed", name,
                            LogSafe.q(String.join(", ", changed)));
                }
            }
        }
        current.services.keySet().stream().filter(n -> !next.services.containsKey(n))
                .forEach(n -> log.info("service removed: service={}", n));
        return out;
    }
}
