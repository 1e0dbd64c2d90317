package io.baetyl.master.engine;

import io.baetyl.master.config.MasterConfig;
import io.baetyl.master.engine.docker.DockerEngine;
import io.baetyl.master.engine.nativeengine.NativeEngine;
import io.baetyl.sdk.config.ConfigException;
import java.nio.file.Path;

/** Picks the engine for conf.yml's {@code mode}. The one place that knows the engine implementations. */
public final class Engines {
    private Engines() {
    }

    /**
     * @param workDir   the master's working dir
     * @param apiSocket absolute path of the API's unix socket, or null when it listens on tcp
     */
    public static Engine create(MasterConfig config, Path workDir, Path apiSocket) {
        return switch (config.mode) {
            case "native" -> new NativeEngine(workDir, apiSocket, config.grace);
            case "docker" -> new DockerEngine(config.docker.apiVersion, workDir, apiSocket, config.grace);
            default -> throw new ConfigException("mode: unknown mode '" + config.mode + "'");
        };
    }
}
