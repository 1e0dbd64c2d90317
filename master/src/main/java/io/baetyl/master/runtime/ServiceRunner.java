package io.baetyl.master.runtime;

import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.master.engine.ServiceDefinition;
import io.baetyl.sdk.Env;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running service: its replica instances ({@code svc}, {@code svc.i1}, ...) and the dynamic ones the function
 * manager starts through the API, each under a {@link SupervisedInstance}. Engine-independent.
 */
public final class ServiceRunner {
    private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

    private final ServiceDefinition definition;
    private final Engine engine;
    private final StatsStore stats;
    private final ScheduledExecutorService scheduler;
    private final Executor stopper;
    private final Duration grace;
    private final Map<String, SupervisedInstance> instances = new LinkedHashMap<>();

    /**
     * @param scheduler runs delayed restarts
     * @param stopper   runs instance stops, all at once (each may take a whole grace period)
     */
    public ServiceRunner(ServiceDefinition definition, Engine engine, StatsStore stats,
                         ScheduledExecutorService scheduler, Executor stopper, Duration grace) {
        this.definition = definition;
        this.engine = engine;
        this.stats = stats;
        this.scheduler = scheduler;
        this.stopper = stopper;
        this.grace = grace;
    }

    public String name() {
        return definition.name();
    }

    /** Sets up the service and starts its replicas; on failure stops what it started and throws. */
    public void start() throws EngineException {
        engine.setupService(definition);
        int replica = definition.spec().replica;
        log.debug("service={} replica={}", name(), replica);
        try {
            for (int i = 0; i < replica; i++) {
                startInstance(i == 0 ? name() : name() + ".i" + i, null);
            }
        } catch (EngineException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    /**
     * Starts an instance, replacing one of the same name. {@code dynamicEnv} non-null marks a dynamic instance: it
     * gets those variables and, as in Baetyl, not the service token.
     */
    public void startInstance(String instanceName, Map<String, String> dynamicEnv) throws EngineException {
        stopInstance(instanceName);
        Map<String, String> env = new LinkedHashMap<>(definition.env());
        if (dynamicEnv != null) {
            env.remove(Env.SERVICE_TOKEN);
            env.remove(Env.OE_SERVICE_TOKEN);
            env.putAll(dynamicEnv);
        }
        env.put(Env.SERVICE_INSTANCE_NAME, instanceName);
        env.put(Env.OE_SERVICE_INSTANCE_NAME, instanceName);
        SupervisedInstance inst = new SupervisedInstance(new InstanceSpec(definition, instanceName, env), engine, stats,
                scheduler, grace, this::forget);
        synchronized (this) {
            instances.put(instanceName, inst);
        }
        try {
            inst.start();
        } catch (EngineException | RuntimeException e) {
            forget(inst);
            stats.removeInstance(name(), instanceName, true);
            throw e;
        }
    }

    /** Stops one instance; a name that is not running is not an error (stop is idempotent). */
    public void stopInstance(String instanceName) {
        SupervisedInstance inst;
        synchronized (this) {
            inst = instances.remove(instanceName);
        }
        if (inst != null) {
            inst.stop();
        }
    }

    /** Drops an instance that ended for good, unless a newer one of the same name has replaced it. */
    private synchronized void forget(SupervisedInstance inst) {
        instances.remove(inst.name(), inst);
    }

    /** Stops every instance in parallel, then removes the service's working state. */
    public void stop() {
        List<SupervisedInstance> all;
        synchronized (this) {
            all = new ArrayList<>(instances.values());
            instances.clear();
        }
        CompletableFuture.allOf(all.stream()
                .map(i -> CompletableFuture.runAsync(i::stop, stopper))
                .toArray(CompletableFuture[]::new)).join();
        stats.removeService(name(), true);
        engine.teardownService(name());
    }

    /** For inspect: each instance's stats merged with its live cpu/mem use (unless it reported an error). */
    public List<Map<String, Object>> instanceStats() {
        Map<String, SupervisedInstance> live;
        synchronized (this) {
            live = new LinkedHashMap<>(instances);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        stats.service(name()).forEach((instName, s) -> {
            Map<String, Object> merged = new LinkedHashMap<>(s);
            merged.putIfAbsent("name", instName);
            SupervisedInstance inst = live.get(instName);
            if (inst != null && !merged.containsKey("error")) {
                merged.putAll(inst.liveStats());
            }
            out.add(merged);
        });
        return out;
    }

}
