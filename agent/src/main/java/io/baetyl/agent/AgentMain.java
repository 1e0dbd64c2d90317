package io.baetyl.agent;

import io.baetyl.sdk.Baetyl;
import io.baetyl.sdk.api.MasterClient;
import io.baetyl.sdk.config.ConfigException;
import java.nio.file.Path;

/** baetyl-agent: {@code -c etc/baetyl/service.yml}; reports and applies OTA until SIGTERM/SIGINT, then exits 0. */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) {
        Baetyl.run(args, ctx -> {
            AgentConfig cfg = ctx.loadConfig(AgentConfig.class);
            MasterClient master = ctx.master();
            if (master == null) {
                throw new ConfigException("the agent needs the master API: BAETYL_MASTER_API_ADDRESS is not set "
                        + "(run it as a service of the master)");
            }
            DeviceIdentity identity;
            try {
                identity = DeviceIdentity.load(Path.of(cfg.remote.mqtt.cert), Path.of(cfg.remote.mqtt.key),
                        cfg.remote.mqtt.passphrase);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(ctx.configFile() + ": " + e.getMessage(), e);
            }
            try (Agent agent = new Agent(cfg, master, identity, Path.of("")).start()) {
                ctx.awaitShutdown();
                ctx.log().info("agent stopping: {}", agent.stats());
            }
        });
    }
}
