package io.baetyl.function.manager;

/** Starts and stops the runtime instances of one function. Both calls block; the pool runs them off the hot path. */
interface InstanceFactory {
    /**
     * Starts instance number {@code id} and returns it once it accepts gRPC calls.
     *
     * @throws Exception with a message fit for the error payload when it cannot be started in time
     */
    FunctionInstance start(int id) throws Exception;

    /** Stops the instance and releases its channel. Must not throw. */
    void stop(FunctionInstance instance);

    /** {@code <service>.<function>.<id>}, the instance name the master knows. */
    String instanceName(int id);
}
