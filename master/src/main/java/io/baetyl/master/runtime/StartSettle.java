package io.baetyl.master.runtime;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Waits, between two services of a start, until the one just started has settled: its threads ran or waited for a
 * CPU at most {@link #QUIET_NANOS} in each of {@link #QUIET_POLLS} consecutive {@link #POLL} intervals (a fifth of one
 * core), or it ended, or {@code max} passed. Time spent waiting for a CPU counts as busy: on a loaded machine a
 * starting JVM that gets little CPU is still starting, not idle.
 *
 * <p>Why: a JVM starts on CPU alone. Started all at once on a two-core device, the hub, the function manager and the
 * timer share the cores for their whole start, and the hub, which the others dial, answers last; started one after
 * the other, each has the cores to itself, and a dependent service finds its dependency listening. A service the
 * master cannot measure (a container, or a process that has ended) does not hold the next one back; a service that
 * stays busy holds it back for {@code max} at most. The order is the one Baetyl starts services in; only the spacing
 * is new.
 */
final class StartSettle {
    static final Duration POLL = Duration.ofMillis(50);
    /** A fifth of one core over {@link #POLL}. */
    static final long QUIET_NANOS = 10_000_000;
    static final int QUIET_POLLS = 2;

    /** Sleeps; the master's is {@link Thread#sleep}, a test's moves its own time. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** How a wait ended. */
    enum Outcome { SETTLED, NOT_MEASURED, STILL_BUSY, ABORTED }

    private final Duration max;
    private final Sleeper sleeper;

    StartSettle(Duration max, Sleeper sleeper) {
        this.max = max;
        this.sleeper = sleeper;
    }

    /**
     * @param busyNanos nanoseconds the service's threads have run or waited to run so far, or -1 when unknown or
     *                  none runs
     * @param aborted  true once the master is closing: the wait ends at the next poll
     */
    Outcome await(LongSupplier busyNanos, BooleanSupplier aborted) throws InterruptedException {
        if (max.isZero()) {
            return Outcome.NOT_MEASURED;
        }
        long last = busyNanos.getAsLong();
        if (last < 0) {
            return Outcome.NOT_MEASURED;
        }
        int quiet = 0;
        for (long waited = 0; waited < max.toMillis(); waited += POLL.toMillis()) {
            sleeper.sleep(POLL);
            if (aborted.getAsBoolean()) {
                return Outcome.ABORTED;
            }
            long now = busyNanos.getAsLong();
            if (now < 0) {
                return Outcome.NOT_MEASURED; // it ended: nothing to make room for
            }
            // A thread that ended between two polls takes its time with it; a drop is not taken for quiet.
            quiet = now >= last && now - last <= QUIET_NANOS ? quiet + 1 : 0;
            if (quiet >= QUIET_POLLS) {
                return Outcome.SETTLED;
            }
            last = now;
        }
        return Outcome.STILL_BUSY;
    }
}
