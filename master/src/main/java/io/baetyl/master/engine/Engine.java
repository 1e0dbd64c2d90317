package io.baetyl.master.engine;

import io.baetyl.master.config.AppConfig;
import java.util.Map;

/**
 * How instances are run: as native processes or Docker containers (and later Kubernetes pods). An engine only knows
 * how to set up a service's surroundings and start one instance; naming, supervision, restart policy and stats live
 * in the engine-independent {@link ServiceRunner}, so a new engine is one small class.
 */
public interface Engine extends AutoCloseable {
    /** "native" or "docker". */
    String name();

    /** Before an app starts: docker pulls images and creates networks and volumes; native does nothing. */
    void prepare(AppConfig app);

    /** Before a service's first instance: native builds the service's working dir with its volume symlinks. */
    void setupService(ServiceDefinition service) throws EngineException;

    /** After a service's last instance stopped: native removes the working dir. */
    void teardownService(String serviceName);

    /** Starts one instance; it runs until it exits or {@link Instance#stop} is called. */
    Instance start(InstanceSpec spec) throws EngineException;

    /**
     * Stops what a previous master left running, from the records it persisted ({@link Instance#record()}): service
     * → instance → record. An engine only stops what it can prove is the recorded instance; anything else is left
     * alone with a warning.
     */
    void recover(Map<String, Map<String, Map<String, Object>>> recorded);

    /** The master API address as an instance of this engine must dial it. */
    String masterApiAddressForInstances(String configuredAddress);

    @Override
    void close();
}
