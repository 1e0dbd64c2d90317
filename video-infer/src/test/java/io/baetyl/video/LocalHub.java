package io.baetyl.video;

import io.baetyl.hub.Hub;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Our hub, in process and in memory, on a random 127.0.0.1 port with one user (u1/p1) allowed everything, and
 * messages up to 1 MB.
 */
final class LocalHub implements AutoCloseable {
    final Hub hub;

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
        // Room for imageData (a 320x240 frame is 300 KB in base64); the 32k default is tested on its own.
        c.message.length.max = io.baetyl.sdk.config.ByteSize.ofBytes(1 << 20);
        c.validate();
        hub = new Hub(c, null, m -> { }).start();
    }

    String url() {
        return "tcp://127.0.0.1:" + hub.port(0);
    }

    @Override
    public void close() {
        hub.close();
    }
}
