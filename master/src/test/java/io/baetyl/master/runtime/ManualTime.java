package io.baetyl.master.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A clock and a scheduler that move only when a test says so: supervision with real backoffs (1 s, 2 s, 5 min)
 * runs in microseconds, deterministically, on the test's thread.
 */
final class ManualTime extends Clock implements Scheduler {
    private Instant now = Instant.parse("2024-01-01T00:00:00Z");
    private long seq;
    private final List<Task> tasks = new ArrayList<>();

    private record Task(Instant due, long seq, Runnable run, boolean[] cancelled) {
    }

    @Override
    public synchronized Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now.plus(delay), seq++, task, cancelled));
        return () -> {
            synchronized (ManualTime.this) {
                cancelled[0] = true;
            }
        };
    }

    /** Moves time forward, running every task that falls due on the way, in order. */
    void advance(Duration d) {
        Instant target;
        synchronized (this) {
            target = now.plus(d);
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.cancelled()[0] && !t.due().isAfter(target))
                        .min(Comparator.comparing(Task::due).thenComparing(Task::seq)).orElse(null);
                if (next == null) {
                    now = target;
                    tasks.removeIf(t -> t.cancelled()[0]);
                    return;
                }
                tasks.remove(next);
                now = next.due();
            }
            next.run().run();
        }
    }

    /** Delays of the tasks still waiting, from now. */
    synchronized List<Duration> pending() {
        return tasks.stream().filter(t -> !t.cancelled()[0]).sorted(Comparator.comparing(Task::due))
                .map(t -> Duration.between(now, t.due())).toList();
    }
}
