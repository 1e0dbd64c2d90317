package io.baetyl.hub.testing;

import io.baetyl.hub.Hub;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Our hub, in process, on a random 127.0.0.1 port, for the tests of the modules that talk to a hub (bridges, timer,
 * video-infer). u1/p1 may publish and subscribe everything; u2/p2 may publish everything but subscribe under
 * {@code allowed/} only (to see a subscription refused). Used as the local hub and as an independent second broker.
 * Shared through the hub's test jar.
 */
public final class LocalHub implements AutoCloseable {
    public final HubConfig config;
    /** Where the hub keeps its QoS 1 log and sessions; null: in memory. */
    public final Path dir;
    private Hub hub;

    /** In memory. */
    public LocalHub() {
        this(null);
    }

    public LocalHub(Path dir) {
        this(dir, c -> { });
    }

    /** {@code tune} changes the configuration before the hub starts. */
    public LocalHub(Path dir, Consumer<HubConfig> tune) {
        this.dir = dir;
        HubConfig c = new HubConfig();
        c.listen = new ArrayList<>(List.of("tcp://127.0.0.1:" + FreePorts.next()));
        HubConfig.Permission pubAll = permission("pub", "#");
        HubConfig.Principal all = principal("u1", "p1", pubAll, permission("sub", "#"));
        HubConfig.Principal limited = principal("u2", "p2", pubAll, permission("sub", "allowed/#"));
        c.principals = new ArrayList<>(List.of(all, limited));
        c.shutdown.timeout = Duration.ofSeconds(5);
        c.storage.dir = "data";
        tune.accept(c);
        c.validate();
        config = c;
        hub = new Hub(c, dir, m -> { }).start();
    }

    private static HubConfig.Permission permission(String action, String permit) {
        HubConfig.Permission p = new HubConfig.Permission();
        p.action = action;
        p.permits = List.of(permit);
        return p;
    }

    private static HubConfig.Principal principal(String username, String password, HubConfig.Permission... permissions) {
        HubConfig.Principal p = new HubConfig.Principal();
        p.username = username;
        p.password = password;
        p.permissions = List.of(permissions);
        return p;
    }

    public Hub hub() {
        return hub;
    }

    public String url() {
        return config.listen.get(0);
    }

    public void stop() {
        hub.close();
    }

    /** Starts again on the same port, with the store kept in {@code dir} (or an empty one in memory). */
    public void start() {
        hub = new Hub(config, dir, m -> { }).start();
    }

    @Override
    public void close() {
        hub.close();
    }
}
