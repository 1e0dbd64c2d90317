package io.baetyl.master.api;

import java.util.Map;

/**
 * What the REST API asks of the master. {@link ApiServer} does transport, routing, auth headers and error bodies;
 * this interface does the work. Any exception thrown here becomes {@code 400} with the exception message as the
 * body, like Baetyl's {@code http.Error}.
 */
public interface MasterApi {
    /** True when {@code username} is a running service and {@code password} its token. */
    boolean authenticate(String username, String password);

    /** The v1 inspect document (software, hardware, services, volumes, time, error). */
    Map<String, Object> inspect();

    /** Starts an update asynchronously; returns at once. {@code type} is APP (default) or MST. */
    void updateSystem(String trace, String type, String path);

    /** Reports from an instance, shallow-merged into its stats; unknown service: "service (x) not found". */
    void reportInstance(String serviceName, String instanceName, Map<String, Object> stats);

    /** Starts (or restarts) a dynamic instance with extra environment. */
    void startInstance(String serviceName, String instanceName, Map<String, String> env);

    /** Stops a dynamic instance. */
    void stopInstance(String serviceName, String instanceName);
}
