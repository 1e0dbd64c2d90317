package io.baetyl.master.runtime;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay: the supervisor's restart backoff. An interface so that tests can drive supervision with
 * a manual clock, in milliseconds, instead of waiting out real backoffs.
 */
public interface Scheduler {
    /** A scheduled task that can still be called off. */
    interface Cancellable {
        void cancel();
    }

    Cancellable schedule(Runnable task, Duration delay);

    /** The production scheduler: a {@link ScheduledExecutorService}. */
    static Scheduler of(ScheduledExecutorService executor) {
        return (task, delay) -> {
            ScheduledFuture<?> f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        };
    }
}
