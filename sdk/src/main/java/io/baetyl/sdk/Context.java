package io.baetyl.sdk;

import io.baetyl.sdk.api.MasterClient;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What a Java module gets from the runtime, like the Go SDK's {@code baetyl.Context}: its config file, its names,
 * the master API, and a way to wait for SIGTERM/SIGINT. Create one with {@link Baetyl#run}.
 */
public interface Context {
    /** {@code etc/baetyl/service.yml} unless overridden with {@code -c}. */
    Path configFile();

    /** Loads {@link #configFile()} into {@code type} with defaults and validation; exits the module on error. */
    <T> T loadConfig(Class<T> type);

    /** {@code BAETYL_SERVICE_NAME}, or null outside a master. */
    String serviceName();

    /** {@code BAETYL_SERVICE_INSTANCE_NAME}, or the service name. */
    String instanceName();

    /** {@code BAETYL_SERVICE_MODE}: native or docker (native when unset). */
    String mode();

    default boolean isNative() {
        return !"docker".equals(mode());
    }

    Logger log();

    /** The master API client, or null when the module runs standalone (no {@code BAETYL_MASTER_API_ADDRESS}). */
    MasterClient master();

    /** Reports stats for this instance; does nothing (but log at debug) when there is no master. */
    void reportInstance(Map<String, Object> stats);

    /** Blocks until SIGTERM or SIGINT. */
    void awaitShutdown() throws InterruptedException;
}
