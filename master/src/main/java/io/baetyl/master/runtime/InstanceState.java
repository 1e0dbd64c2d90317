package io.baetyl.master.runtime;

/**
 * Where a supervised instance is in its life. Inspect shows {@link #status()}; an instance in a final state
 * ({@link #STOPPED}, {@link #FINISHED}) is no longer listed.
 */
public enum InstanceState {
    /** Created, not started yet. */
    NEW("new", false),
    /** The engine is starting it. */
    STARTING("starting", false),
    RUNNING("running", false),
    /** It exited; a restart is scheduled after the backoff. */
    RESTARTING("restarting", false),
    /** Stopped on request (API, update, shutdown); never restarted. */
    STOPPED("stopped", true),
    /** It exited and the restart policy (policy, retry.max) says it stays down. */
    FINISHED("finished", true);

    private final String status;
    private final boolean terminal;

    InstanceState(String status, boolean terminal) {
        this.status = status;
        this.terminal = terminal;
    }

    /** The status string of inspect, as Baetyl spells it. */
    public String status() {
        return status;
    }

    public boolean isTerminal() {
        return terminal;
    }
}
