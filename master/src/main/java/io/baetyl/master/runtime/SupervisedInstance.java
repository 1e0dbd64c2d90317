package io.baetyl.master.runtime;

import io.baetyl.master.config.RestartPolicy;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.Instance;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.sdk.config.GoDuration;
import io.baetyl.sdk.util.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance under supervision: starts it, watches it exit, and restarts it per the service's restart policy
 * ({@code always}, {@code on-failure}, {@code no}; {@code retry.max}; exponential backoff). Unlike Baetyl, a run
 * that stayed up longer than {@code backoff.max} counts as healthy: the retry counter and the backoff start over,
 * so a service that crashes once a day is not given up on after {@code retry.max} days.
 */
final class SupervisedInstance {
    private static final Logger log = LoggerFactory.getLogger(SupervisedInstance.class);

    private final InstanceSpec spec;
    private final Engine engine;
    private final StatsStore stats;
    private final ScheduledExecutorService scheduler;
    private final Duration grace;
    private final RestartPolicy policy;
    private final Backoff backoff;
    private final java.util.function.Consumer<SupervisedInstance> onGiveUp;

    private Instance current;
    private ScheduledFuture<?> pendingRestart;
    private boolean stopped;
    private int restarts;
    private long runStartedNanos;

    SupervisedInstance(InstanceSpec spec, Engine engine, StatsStore stats, ScheduledExecutorService scheduler,
                       Duration grace, java.util.function.Consumer<SupervisedInstance> onGiveUp) {
        this.spec = spec;
        this.engine = engine;
        this.stats = stats;
        this.scheduler = scheduler;
        this.grace = grace;
        this.policy = spec.service().spec().restart;
        this.backoff = new Backoff(policy.backoff.min, policy.backoff.max, policy.backoff.factor);
        this.onGiveUp = onGiveUp;
    }

    String name() {
        return spec.name();
    }

    /** First start: a failure is the caller's to handle (no restart policy applies yet). */
    void start() throws EngineException {
        stats.setInstance(spec.service().name(), spec.name(), Map.of("create_time", Instant.now().toString()), false);
        launch();
    }

    private void launch() throws EngineException {
        Instance inst = engine.start(spec);
        synchronized (this) {
            if (stopped) {
                inst.stop(grace); // stop() ran while we were starting
                return;
            }
            current = inst;
            runStartedNanos = System.nanoTime();
        }
        Map<String, Object> s = new LinkedHashMap<>(inst.info());
        s.put("status", "running");
        s.put("start_time", Instant.now().toString());
        s.put("restart_count", restarts);
        stats.setInstance(spec.service().name(), spec.name(), s, true);
        inst.exited().thenAccept(code -> onExit(inst, code));
    }

    private void onExit(Instance inst, int code) {
        synchronized (this) {
            if (stopped || inst != current) {
                return;
            }
            current = null;
        }
        String svc = spec.service().name();
        stats.setInstance(svc, spec.name(), Map.of("finish_time", Instant.now().toString(), "exit_code", code), false);
        boolean restart = switch (policy.policy) {
            case RestartPolicy.ALWAYS -> true;
            case RestartPolicy.ON_FAILURE -> code != 0;
            default -> false;
        };
        if (!restart) {
            log.info("instance exited and will not be restarted: service={} instance={} code={} policy={}",
                    svc, spec.name(), code, policy.policy);
            giveUp();
            return;
        }
        log.warn("instance exited: service={} instance={} code={}", svc, spec.name(), code);
        if (Duration.ofNanos(System.nanoTime() - runStartedNanos).compareTo(policy.backoff.max) > 0) {
            restarts = 0;
            backoff.reset();
        }
        scheduleRestart();
    }

    private synchronized void scheduleRestart() {
        if (stopped) {
            return;
        }
        restarts++;
        if (policy.retry.max > 0 && restarts > policy.retry.max) {
            log.error("instance gave up after {} restarts (retry.max={}): service={} instance={}",
                    restarts - 1, policy.retry.max, spec.service().name(), spec.name());
            giveUp();
            return;
        }
        Duration delay = backoff.next();
        stats.setInstance(spec.service().name(), spec.name(), Map.of("status", "restarting", "restart_count", restarts), false);
        log.info("restarting instance in {}: service={} instance={} attempt={}", GoDuration.format(delay),
                spec.service().name(), spec.name(), restarts);
        pendingRestart = scheduler.schedule(this::restartNow, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void restartNow() {
        try {
            launch();
        } catch (EngineException e) {
            log.error("restart failed: service={} instance={}: {}", spec.service().name(), spec.name(), e.getMessage());
            scheduleRestart();
        } catch (RuntimeException e) {
            log.error("restart failed: service={} instance={}", spec.service().name(), spec.name(), e);
            scheduleRestart();
        }
    }

    private void giveUp() {
        synchronized (this) {
            stopped = true;
        }
        stats.removeInstance(spec.service().name(), spec.name(), true);
        onGiveUp.accept(this);
    }

    /** Stops supervision and the instance (grace, then kill). Idempotent. */
    void stop() {
        Instance inst;
        synchronized (this) {
            stopped = true;
            if (pendingRestart != null) {
                pendingRestart.cancel(false);
            }
            inst = current;
            current = null;
        }
        if (inst != null) {
            inst.stop(grace);
            log.info("instance stopped: service={} instance={}", spec.service().name(), spec.name());
        }
        stats.removeInstance(spec.service().name(), spec.name(), true);
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
