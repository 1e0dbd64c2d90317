package io.baetyl.function.manager;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instances of one function: keeps {@code min} warm, starts more (up to {@code max}) while callers wait, and
 * stops instances idle for longer than {@code idletime} (checked every {@code evicttime}, never below {@code min}).
 *
 * <p>Unlike go-commons-pool in Baetyl (whose blocking borrow could stall under concurrency, PR #411), nothing here
 * blocks: {@link #acquire()} returns a future that is completed by the next instance released or started, in FIFO
 * order. Every call has a deadline, so every lease ends and every waiter is eventually served. Starting and stopping
 * (blocking master calls) run on the {@code blocking} executor, never under the lock.
 *
 * <p>Instance numbers: the lowest number not in use is taken; a number is reused only after its previous instance
 * has been stopped, so a stop in progress can never hit the replacement of the same name.
 */
final class FunctionPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FunctionPool.class);

    private final String function;
    private final ManagerConfig.Instance limits;
    private final InstanceFactory factory;
    private final Executor blocking;
    private final ScheduledFuture<?> evictor;

    // All state below is guarded by `this`.
    private final Deque<FunctionInstance> idle = new ArrayDeque<>(); // most recently used first
    private final Deque<CompletableFuture<FunctionInstance>> waiters = new ArrayDeque<>();
    private final Set<FunctionInstance> all = new HashSet<>();
    private final TreeSet<Integer> numbersInUse = new TreeSet<>();
    /** Instances counted against max: starting + idle + busy (not those being stopped). */
    private int live;
    private int starting;
    private long started;
    private long stopped;
    private boolean closed;

    FunctionPool(String function, ManagerConfig.Instance limits, InstanceFactory factory, Executor blocking,
                 ScheduledExecutorService scheduler) {
        this.function = function;
        this.limits = limits;
        this.factory = factory;
        this.blocking = blocking;
        long every = limits.evicttime.toNanos();
        this.evictor = scheduler.scheduleWithFixedDelay(this::evictSafely, every, every, TimeUnit.NANOSECONDS);
        synchronized (this) {
            ensureMin();
        }
    }

    /** An instance for one call; give it back with {@link #release}. Fails when it cannot be started. */
    CompletableFuture<FunctionInstance> acquire() {
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("function (" + function + ") is closed"));
            }
            FunctionInstance inst = idle.pollFirst();
            if (inst != null) {
                return CompletableFuture.completedFuture(inst);
            }
            CompletableFuture<FunctionInstance> w = new CompletableFuture<>();
            waiters.addLast(w);
            grow();
            return w;
        }
    }

    /**
     * Returns an instance after a call. {@code healthy=false} (the runtime is gone, hung or unreachable) stops it and
     * lets a waiter get a fresh one at once.
     */
    void release(FunctionInstance inst, boolean healthy) {
        CompletableFuture<FunctionInstance> next = null;
        synchronized (this) {
            if (closed) {
                return; // close() has stopped it already
            }
            if (!healthy) {
                live--;
                all.remove(inst);
                stopLater(inst);
                grow();
                ensureMin();
                return;
            }
            next = waiters.pollFirst();
            if (next == null) {
                inst.idleSinceNanos = System.nanoTime();
                idle.addFirst(inst);
            }
        }
        if (next != null) {
            next.complete(inst); // outside the lock: the waiter's call starts from here
        }
    }

    /** Starts instances for callers that wait and for whom nothing is starting yet. Holds the lock. */
    private void grow() {
        while (!closed && starting < waiters.size() && live < limits.max) {
            launch();
        }
    }

    private void ensureMin() {
        while (!closed && live < limits.min) {
            launch();
        }
    }

    private void launch() {
        int n = 1;
        while (numbersInUse.contains(n)) {
            n++;
        }
        int id = n;
        numbersInUse.add(id);
        live++;
        starting++;
        blocking.execute(() -> create(id));
    }

    private void create(int id) {
        FunctionInstance inst = null;
        Exception error = null;
        try {
            inst = factory.start(id);
        } catch (Exception e) {
            error = e;
        }
        CompletableFuture<FunctionInstance> waiter;
        synchronized (this) {
            starting--;
            if (inst == null) {
                live--;
                numbersInUse.remove(id);
                waiter = waiters.pollFirst();
                log.warn("instance start failed: function={} instance={} waiting={} error={}", function,
                        factory.instanceName(id), waiters.size() + (waiter == null ? 0 : 1), error.getMessage());
                // The other waiters keep their place; grow() gives them their own attempt.
                grow();
            } else if (closed) {
                live--;
                stopLater(inst);
                return;
            } else {
                started++;
                all.add(inst);
                waiter = waiters.pollFirst();
                if (waiter == null) {
                    inst.idleSinceNanos = System.nanoTime();
                    idle.addFirst(inst);
                }
            }
        }
        if (waiter != null) {
            if (inst != null) {
                waiter.complete(inst);
            } else {
                waiter.completeExceptionally(error);
            }
        }
    }

    /** Holds the lock. The number is freed only once the instance is really stopped. */
    private void stopLater(FunctionInstance inst) {
        Runnable stop = () -> {
            factory.stop(inst);
            synchronized (this) {
                stopped++;
                numbersInUse.remove(inst.id());
            }
        };
        try {
            blocking.execute(stop);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            stop.run(); // shutting down: stop it on this thread rather than leave it running
        }
    }

    private void evictSafely() {
        try {
            evict();
        } catch (RuntimeException e) {
            log.error("idle eviction failed: function={}", function, e);
        }
    }

    /** Stops the instances idle for longer than idletime, oldest first, keeping min. */
    void evict() {
        long now = System.nanoTime();
        long maxIdle = limits.idletime.toNanos();
        synchronized (this) {
            Iterator<FunctionInstance> oldestFirst = idle.descendingIterator();
            while (oldestFirst.hasNext() && live > limits.min) {
                FunctionInstance inst = oldestFirst.next();
                if (now - inst.idleSinceNanos < maxIdle) {
                    break; // the rest were used more recently
                }
                oldestFirst.remove();
                all.remove(inst);
                live--;
                log.info("instance idle for {}s, stopping: function={} instance={}",
                        Duration.ofNanos(now - inst.idleSinceNanos).toSeconds(), function, inst.name());
                stopLater(inst);
            }
        }
    }

    /** Counts for stats reports and tests. */
    synchronized Stats stats() {
        return new Stats(live, idle.size(), live - idle.size() - starting, starting, waiters.size(), started, stopped,
                new ArrayList<>(numbersInUse));
    }

    record Stats(int instances, int idle, int busy, int starting, int waiting, long started, long stopped,
                 List<Integer> numbers) {
    }

    /** Fails the waiters and stops every instance (busy ones too), waiting for the stops up to {@code wait}. */
    void close(Duration wait) {
        List<CompletableFuture<FunctionInstance>> failed;
        List<FunctionInstance> toStop;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            evictor.cancel(false);
            failed = new ArrayList<>(waiters);
            waiters.clear();
            toStop = new ArrayList<>(all);
            all.clear();
            idle.clear();
        }
        for (CompletableFuture<FunctionInstance> w : failed) {
            w.completeExceptionally(new IllegalStateException("function (" + function + ") is closing"));
        }
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (FunctionInstance inst : toStop) {
            stops.add(CompletableFuture.runAsync(() -> factory.stop(inst), blocking));
        }
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("instances not all stopped within {}ms: function={}", wait.toMillis(), function);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
