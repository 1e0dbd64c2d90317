package io.baetyl.hub.server;

import io.baetyl.hub.config.HubConfig;
import java.util.List;

/** The configuration the connection and session unit tests share: u1/p1 may publish and subscribe under a/. */
final class TestConfigs {
    private TestConfigs() {
    }

    static HubConfig u1UnderA() {
        HubConfig c = new HubConfig();
        HubConfig.Principal p = new HubConfig.Principal();
        p.username = "u1";
        p.password = "p1";
        HubConfig.Permission pub = new HubConfig.Permission();
        pub.action = "pub";
        pub.permits = List.of("a/#");
        HubConfig.Permission sub = new HubConfig.Permission();
        sub.action = "sub";
        sub.permits = List.of("a/#");
        p.permissions = List.of(pub, sub);
        c.principals = List.of(p);
        return c;
    }
}
