package io.baetyl.sdk.api;

import java.util.Map;

/**
 * The master's REST API as a service sees it (Baetyl's Go {@code master.Client}). Every call sends the
 * {@code x-openedge-username}/{@code x-openedge-password} headers; a status of 400 or more becomes a
 * {@link MasterApiException} whose message is {@code [code] body}, like the Go client's error.
 */
public interface MasterClient extends AutoCloseable {
    /** {@code GET /v1/system/inspect}: the inspect document as parsed JSON. */
    Map<String, Object> inspectSystem();

    /** {@code PUT /v1/system/update} with {@code {"type","path","trace"}}; the master works on it asynchronously. */
    void updateSystem(String trace, String type, String path);

    /** {@code GET /v1/ports/available}: a free TCP port on the master's host, as a string. */
    String getAvailablePort();

    /** {@code PUT /v1/services/{svc}/instances/{inst}/report}: top-level keys are merged into the instance stats. */
    void reportInstance(String serviceName, String instanceName, Map<String, Object> stats);

    /** {@code PUT /v1/services/{svc}/instances/{inst}/start} with the dynamic environment of the new instance. */
    void startInstance(String serviceName, String instanceName, Map<String, String> dynamicEnv);

    /** {@code PUT /v1/services/{svc}/instances/{inst}/stop}. */
    void stopInstance(String serviceName, String instanceName);

    @Override
    void close();
}
