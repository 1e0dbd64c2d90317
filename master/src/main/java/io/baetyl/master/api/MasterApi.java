package io.baetyl.master.api;

import java.util.Map;

/**
 * What the REST API asks of the master. {@link ApiServer} does transport, routing, auth headers and error bodies;
 * this interface does the work. {@code caller} is the authenticated service name. An {@link ApiException} becomes
 * its own status (403 refused, 413 too large, 429 too many); any other exception becomes {@code 400} with the
 * exception message as the body, like Baetyl's {@code http.Error}.
 */
public interface MasterApi {
    /** True when {@code username} is a running service and {@code password} its token. */
    boolean authenticate(String username, String password);

    /** The v1 inspect document (software, hardware, services, volumes, time, error). */
    Map<String, Object> inspect();

    /**
     * Checks and queues an update, then returns at once (the update runs in the background). {@code type} is APP
     * (default) or MST.
     */
    void updateSystem(String caller, String trace, String type, String path);

    /** Reports from an instance, shallow-merged into its stats; unknown service: "service (x) not found". */
    void reportInstance(String caller, String serviceName, String instanceName, Map<String, Object> stats);

    /** Starts (or restarts) an instance with extra environment. */
    void startInstance(String caller, String serviceName, String instanceName, Map<String, String> env);

    /** Stops an instance. */
    void stopInstance(String caller, String serviceName, String instanceName);
}
