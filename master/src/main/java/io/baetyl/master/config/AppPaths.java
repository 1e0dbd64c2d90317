package io.baetyl.master.config;

import io.baetyl.master.security.PathGuard;
import java.util.List;
import java.util.Map;

/**
 * The checks of an application's host paths that need the working dir: every volume source that is a host path
 * must resolve inside the working dir after following symlinks (a symlink planted in a writable volume must not lead
 * elsewhere). {@link AppConfig#validate()} has already refused absolute and {@code ..} paths as written. Run by
 * {@code baetyl check} and before the master applies an app, so an escaping app changes nothing.
 */
public final class AppPaths {
    private AppPaths() {
    }

    /** @throws IllegalArgumentException {@code key: 'value' is outside the working dir ...} */
    public static void check(AppConfig app, PathGuard guard) {
        for (Map.Entry<String, ServiceSpec> e : app.services.entrySet()) {
            List<ServiceVolume> volumes = e.getValue().volumes;
            for (int i = 0; i < volumes.size(); i++) {
                ServiceVolume v = volumes.get(i);
                if (!app.volumes.containsKey(v.source)) {
                    guard.resolve(v.keyIn("services." + e.getKey(), i), v.source);
                }
            }
        }
    }
}
