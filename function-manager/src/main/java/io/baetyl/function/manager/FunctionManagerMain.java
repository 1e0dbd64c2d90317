package io.baetyl.function.manager;

import io.baetyl.sdk.Baetyl;
import io.baetyl.sdk.Context;
import io.baetyl.sdk.api.MasterClient;
import io.baetyl.sdk.config.ConfigException;
import java.io.IOException;

/**
 * {@code baetyl-function-manager [-c etc/baetyl/service.yml]}: runs the rules and pools of its service.yml until
 * SIGTERM. Needs the master API (it starts the function instances through it). Exit 1 on a config error, naming
 * the key.
 */
public final class FunctionManagerMain {
    private FunctionManagerMain() {
    }

    public static void main(String[] args) {
        Baetyl.run(args, FunctionManagerMain::serve);
    }

    static void serve(Context ctx) throws InterruptedException, IOException {
        ManagerConfig cfg = ctx.loadConfig(ManagerConfig.class);
        MasterClient master = ctx.master();
        if (master == null) {
            throw new ConfigException("the function manager starts function instances through the master API, but "
                    + "BAETYL_MASTER_API_ADDRESS is not set (run it as a service of baetyl)");
        }
        if (cfg.rules.isEmpty() && cfg.server.address.isBlank()) {
            ctx.log().warn("no rules and no server.address: no function will ever be called");
        }
        boolean nativeMode = ctx.isNative();
        FunctionManager.stopLeftovers(master, cfg);
        try (FunctionManager fm = FunctionManager.start(cfg,
                spec -> new MasterInstanceFactory(master, nativeMode, spec), ctx::reportInstance)) {
            ctx.log().info("function manager started: mode={} functions={} rules={} server={}", ctx.mode(),
                    cfg.functionsByName().keySet(), cfg.rules.size(),
                    cfg.server.address.isBlank() ? "-" : cfg.server.address);
            ctx.awaitShutdown();
            ctx.log().info("function manager stopping");
        }
    }
}
