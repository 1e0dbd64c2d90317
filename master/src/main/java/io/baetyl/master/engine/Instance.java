package io.baetyl.master.engine;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A started instance (a process or a container). */
public interface Instance {
    String name();

    /** What identifies it, shown by inspect: {@code {process: {id, name, start}}} or {@code {container: {id, name}}}. */
    Map<String, Object> info();

    /**
     * What the master records about it when it starts, persisted for recovery after a crash and never changed by
     * anything an instance reports: by default {@link #info()}; an engine adds what it needs to prove, later, that a
     * live process or container is this one.
     */
    default Map<String, Object> record() {
        return info();
    }

    /** Completes with the exit code when the instance ends, for whatever reason. */
    CompletableFuture<Integer> exited();

    /** Asks it to stop, waits up to {@code grace}, then kills it; returns when it is gone. Idempotent. */
    void stop(Duration grace);

    /** Live resource use: {@code cpu_stats} and {@code mem_stats}; empty when unknown. */
    Map<String, Object> stats();

    /**
     * Nanoseconds its threads have run or waited for a CPU so far; -1 when the engine cannot tell or it has ended.
     * The master spaces a start by it ({@code StartSettle}).
     */
    default long busyNanos() {
        return -1;
    }
}
