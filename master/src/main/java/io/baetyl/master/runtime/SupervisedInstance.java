package io.baetyl.master.runtime;

import io.baetyl.master.config.RestartPolicy;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.Instance;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.master.security.LogSafe;
import io.baetyl.sdk.config.GoDuration;
import io.baetyl.sdk.util.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance under supervision: starts it, watches it exit, and restarts it per the service's restart policy
 * ({@code always}, {@code on-failure}, {@code no}; {@code retry.max}; exponential backoff). Every restart runs the
 * same {@link InstanceSpec}, so a replica always comes back with its service token. Unlike Baetyl, a run that stayed
 * up longer than {@code backoff.max} counts as healthy: the retry counter and the backoff start over, so a service
 * that crashes once a day is not given up on after {@code retry.max} days.
 *
 * <p>Time comes from the injected {@link Clock} and delays from the injected {@link Scheduler}, so tests drive it
 * without waiting.
 */
final class SupervisedInstance {
    private static final Logger log = LoggerFactory.getLogger(SupervisedInstance.class);

    /** How the instance came to be: from application.yml, or through the API. */
    enum Kind { REPLICA, DYNAMIC }

    private final InstanceSpec spec;
    private final Kind kind;
    private final Engine engine;
    private final StatsStore.Handle stats;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Duration grace;
    private final RestartPolicy policy;
    private final Backoff backoff;
    private final Consumer<SupervisedInstance> onFinished;

    private InstanceState state = InstanceState.NEW;
    private Instance current;
    private Scheduler.Cancellable pendingRestart;
    private int restarts;
    /** Every restart of this instance, never reset (restart_count is, after a long enough run); for /metrics. */
    private long restartsTotal;
    private Instant runStarted;

    SupervisedInstance(InstanceSpec spec, Kind kind, Engine engine, StatsStore stats, Scheduler scheduler, Clock clock,
                       Duration grace, Consumer<SupervisedInstance> onFinished) {
        this.spec = spec;
        this.kind = kind;
        this.engine = engine;
        this.stats = stats.open(spec.service().name(), spec.name());
        this.scheduler = scheduler;
        this.clock = clock;
        this.grace = grace;
        this.policy = spec.service().spec().restart;
        this.backoff = new Backoff(policy.backoff.min, policy.backoff.max, policy.backoff.factor);
        this.onFinished = onFinished;
    }

    String name() {
        return spec.name();
    }

    Kind kind() {
        return kind;
    }

    synchronized InstanceState state() {
        return state;
    }

    /** {@link Instance#busyNanos()} of the running process; -1 when none runs or the engine cannot tell. */
    synchronized long busyNanos() {
        return state == InstanceState.RUNNING && current != null ? current.busyNanos() : -1;
    }

    synchronized long restartsTotal() {
        return restartsTotal;
    }

    /** First start: a failure is the caller's to handle (no restart policy applies yet), and ends this instance. */
    void start() throws EngineException {
        stats.set(Map.of("create_time", clock.instant().toString(), "status", InstanceState.STARTING.status()));
        try {
            launch();
        } catch (EngineException | RuntimeException e) {
            finish(InstanceState.FINISHED);
            throw e;
        }
    }

    private void launch() throws EngineException {
        synchronized (this) {
            if (state.isTerminal()) {
                return;
            }
            state = InstanceState.STARTING;
        }
        Instance inst = engine.start(spec);
        synchronized (this) {
            if (state.isTerminal()) {
                inst.stop(grace); // stop() ran while we were starting
                return;
            }
            current = inst;
            state = InstanceState.RUNNING;
            runStarted = clock.instant();
        }
        stats.record(inst.record());
        Map<String, Object> s = new LinkedHashMap<>(inst.info());
        s.put("status", InstanceState.RUNNING.status());
        s.put("start_time", runStarted.toString());
        s.put("restart_count", restarts);
        stats.set(s);
        inst.exited().thenAccept(code -> onExit(inst, code));
    }

    private void onExit(Instance inst, int code) {
        boolean restart;
        synchronized (this) {
            if (state.isTerminal() || inst != current) {
                return;
            }
            current = null;
            stats.set(Map.of("finish_time", clock.instant().toString(), "exit_code", code));
            restart = switch (policy.policy) {
                case RestartPolicy.ALWAYS -> true;
                case RestartPolicy.ON_FAILURE -> code != 0;
                default -> false;
            };
            if (restart && Duration.between(runStarted, clock.instant()).compareTo(policy.backoff.max) > 0) {
                restarts = 0;
                backoff.reset();
            }
        }
        String svc = spec.service().name();
        if (!restart) {
            log.info("instance exited and will not be restarted: service={} instance={} code={} policy={}",
                    svc, LogSafe.q(spec.name()), code, policy.policy);
            finish(InstanceState.FINISHED);
            return;
        }
        log.warn("instance exited: service={} instance={} code={}", svc, LogSafe.q(spec.name()), code);
        scheduleRestart();
    }

    private void scheduleRestart() {
        Duration delay;
        synchronized (this) {
            if (state.isTerminal()) {
                return;
            }
            restarts++;
            restartsTotal++;
            if (policy.retry.max > 0 && restarts > policy.retry.max) {
                log.error("instance gave up after {} restarts (retry.max={}): service={} instance={}",
                        restarts - 1, policy.retry.max, spec.service().name(), LogSafe.q(spec.name()));
                delay = null;
            } else {
                delay = backoff.next();
                state = InstanceState.RESTARTING;
                stats.set(Map.of("status", InstanceState.RESTARTING.status(), "restart_count", restarts));
                pendingRestart = scheduler.schedule(this::restartNow, delay);
            }
        }
        if (delay == null) {
            finish(InstanceState.FINISHED);
            return;
        }
        log.info("restarting instance in {}: service={} instance={} attempt={}", GoDuration.format(delay),
                spec.service().name(), LogSafe.q(spec.name()), restarts);
    }

    private void restartNow() {
        try {
            launch();
        } catch (EngineException e) {
            log.error("restart failed: service={} instance={}: {}", spec.service().name(), LogSafe.q(spec.name()),
                    LogSafe.q(e.getMessage()));
            scheduleRestart();
        } catch (RuntimeException e) {
            log.error("restart failed: service={} instance={}", spec.service().name(), LogSafe.q(spec.name()), e);
            scheduleRestart();
        }
    }

    /** Ends supervision for good (the instance is not running): removes its stats and tells the service. */
    private void finish(InstanceState end) {
        synchronized (this) {
            if (state.isTerminal()) {
                return;
            }
            state = end;
        }
        stats.remove();
        onFinished.accept(this);
    }

    /** Stops supervision and the instance (grace, then kill). Idempotent. */
    void stop() {
        Instance inst;
        synchronized (this) {
            if (state.isTerminal()) {
                return;
            }
            state = InstanceState.STOPPED;
            if (pendingRestart != null) {
                pendingRestart.cancel();
            }
            inst = current;
            current = null;
        }
        if (inst != null) {
            inst.stop(grace);
            log.info("instance stopped: service={} instance={}", spec.service().name(), LogSafe.q(spec.name()));
        }
        stats.remove();
    }

    /** Live resource use of the running instance, or empty. */
    Map<String, Object> liveStats() {
        Instance inst;
        synchronized (this) {
            inst = current;
        }
        return inst == null ? Map.of() : inst.stats();
    }
}
