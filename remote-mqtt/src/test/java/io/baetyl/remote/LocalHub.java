package io.baetyl.remote;

import io.baetyl.hub.Hub;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Our hub, in process and in memory, on a random 127.0.0.1 port with one user (u1/p1) allowed everything. Used as
 * the local hub and as a second, independent remote broker.
 */
final class LocalHub implements AutoCloseable {
    final HubConfig config;
    Hub hub;

    LocalHub() {
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
        c.validate();
        config = c;
        hub = new Hub(c, null, m -> { }).start();
    }

    void stop() {
        hub.close();
    }

    /** Starts again on the same port (with an empty store: sessions are gone, as after a crash of a memory broker). */
    void start() {
        hub = new Hub(config, null, m -> { }).start();
    }

    String url() {
        return config.listen.get(0);
    }

    @Override
    public void close() {
        hub.close();
    }
}
