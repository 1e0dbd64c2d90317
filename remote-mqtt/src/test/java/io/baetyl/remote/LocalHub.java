package io.baetyl.remote;

import io.baetyl.hub.Hub;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Our hub, in process and in memory, on a random 127.0.0.1 port with u1/p1 allowed everything and
 * u2/p2 allowed to subscribe under allowed/ only. Used as
 * the local hub and as a second, independent remote broker.
 */
final class LocalHub implements AutoCloseable {
    final HubConfig config;
    final Path dir;
    Hub hub;

    LocalHub() {
        this(null);
    }

    /** @param dir where the hub keeps its store (sessions and QoS 1 messages survive a restart); null: in memory */
    LocalHub(Path dir) {
        this.dir = dir;
        HubConfig c = new HubConfig();
        c.listen = new ArrayList<>(List.of("tcp://127.0.0.1:" + FreePorts.next()));
        HubConfig.Principal p = new HubConfig.Principal();
        p.username = "u1";
        p.password = "p1";
        HubConfig.Permission pub = new HubConfig.Permission();
        pub.action = "pub";
        pub.permits = List.of("#");
        HubConfig.Permission sub = new HubConfig.Permission();
        sub.action = "sub";
        sub.permits = List.of("#");
        p.permissions = List.of(pub, sub);
        // u2 may only subscribe under allowed/, to see a subscription refused (SUBACK 0x80).
        HubConfig.Principal limited = new HubConfig.Principal();
        limited.username = "u2";
        limited.password = "p2";
        HubConfig.Permission limitedSub = new HubConfig.Permission();
        limitedSub.action = "sub";
        limitedSub.permits = List.of("allowed/#");
        limited.permissions = List.of(pub, limitedSub);
        c.principals = new ArrayList<>(List.of(p, limited));
        c.shutdown.timeout = Duration.ofSeconds(5);
        c.storage.dir = "data";
        c.validate();
        config = c;
        hub = new Hub(c, dir, m -> { }).start();
    }

    void stop() {
        hub.close();
    }

    /** Starts again on the same port, with the store kept in {@code dir} (or an empty one in memory). */
    void start() {
        hub = new Hub(config, dir, m -> { }).start();
    }

    String url() {
        return config.listen.get(0);
    }

    @Override
    public void close() {
        hub.close();
    }
}
