package io.baetyl.master.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.sdk.config.ConfigLoader;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which services an update can leave running: those present in both apps with an identical definition, none of whose
 * named volumes or networks changed. Definitions are compared as JSON trees, so every key counts.
 */
final class AppDiff {
    private AppDiff() {
    }

    static Set<String> unchanged(AppConfig next, AppConfig prev) {
        Set<String> keep = new LinkedHashSet<>();
        if (prev == null) {
            return keep;
        }
        next.services.forEach((name, spec) -> {
            ServiceSpec old = prev.services.get(name);
            if (old != null && tree(spec).equals(tree(old)) && volumesUnchanged(spec, next, prev)
                    && networksUnchanged(spec, next, prev)) {
                keep.add(name);
            }
        });
        return keep;
    }

    private static boolean volumesUnchanged(ServiceSpec spec, AppConfig next, AppConfig prev) {
        for (ServiceVolume v : spec.volumes) {
            if (next.volumes.containsKey(v.source) || prev.volumes.containsKey(v.source)) {
                if (!Objects.equals(tree(next.volumes.get(v.source)), tree(prev.volumes.get(v.source)))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean networksUnchanged(ServiceSpec spec, AppConfig next, AppConfig prev) {
        for (String net : spec.networks.keySet()) {
            if (!Objects.equals(tree(next.networks.get(net)), tree(prev.networks.get(net)))) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode tree(Object o) {
        return o == null ? null : ConfigLoader.yamlMapper().valueToTree(o);
    }
}
