package io.baetyl.kafka;

import io.baetyl.hub.Hub;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Our hub, in process, on a random 127.0.0.1 port; user u1/p1 may publish and subscribe everything. */
final class LocalHub implements AutoCloseable {
    final HubConfig config;
    final Path dir;
    Hub hub;

    /** @param dir where the hub keeps its QoS 1 log and sessions; null: in memory */
    LocalHub(Path dir) {
        this(dir, c -> { });
    }

    LocalHub(Path dir, Consumer<HubConfig> tune) {
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
        c.principals = new ArrayList<>(List.of(p));
        c.shutdown.timeout = Duration.ofSeconds(5);
        c.storage.dir = "data";
        tune.accept(c);
        c.validate();
        config = c;
        hub = new Hub(c, dir, m -> { }).start();
    }

    void stop() {
        hub.close();
    }

    /** Starts again on the same port, with the store kept in {@code dir}. */
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
