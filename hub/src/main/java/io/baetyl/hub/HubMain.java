package io.baetyl.hub;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.Baetyl;
import io.baetyl.sdk.Context;
import java.nio.file.Path;

/**
 * {@code java -jar hub.jar [-c etc/baetyl/service.yml]}. Runs through the SDK: config and logging from the file,
 * metrics reported to the master as {@code broker_stats} (as baetyl-hub did) with the clients as
 * {@code broker_clients}, and exit 0 after a graceful shutdown
 * on SIGTERM or SIGINT.
 */
public final class HubMain {
    private HubMain() {
    }

    public static void main(String[] args) {
        Baetyl.run(args, HubMain::run);
    }

    /** The hub's version as the jar's manifest says it, for {@code $SYS/broker/version}. */
    static String version() {
        String v = HubMain.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static void run(Context ctx) throws Exception {
        HubConfig config = ctx.loadConfig(HubConfig.class);
        // relative paths (storage.dir) are relative to the working dir, which under the master is the service's dir
        Path cwd = Path.of("").toAbsolutePath();
        try (Hub hub = new Hub(config, cwd, ctx::reportInstance).start()) {
            ctx.awaitShutdown();
        }
    }
}
