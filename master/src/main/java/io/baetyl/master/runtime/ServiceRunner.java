package io.baetyl.master.runtime;

import io.baetyl.master.api.ApiException;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.master.engine.ServiceDefinition;
import io.baetyl.master.runtime.SupervisedInstance.Kind;
import io.baetyl.sdk.Env;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running service: its supervised replicas ({@code svc}, {@code svc.i1}, ...), started from application.yml with
 * the service token, and the dynamic instances started through the API (function runtimes), which get the request's
 * variables and no token. Engine-independent.
 */
public final class ServiceRunner {
    private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);
    /** Dynamic instances one service may have at once; a runaway caller gets 429 instead of exhausting the host. */
    public static final int MAX_DYNAMIC_INSTANCES = 1024;

    private final ServiceDefinition definition;
    private final Engine engine;
    private final StatsStore stats;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Executor stopper;
    private final Duration grace;
    private final Map<String, SupervisedInstance> instances = new LinkedHashMap<>();

    /**
     * @param scheduler runs delayed restarts
     * @param stopper   runs instance stops, all at once (each may take a whole grace period)
     */
    public ServiceRunner(ServiceDefinition definition, Engine engine, StatsStore stats, Scheduler scheduler, Clock clock,
                         Executor stopper, Duration grace) {
        this.definition = definition;
        this.engine = engine;
        this.stats = stats;
        this.scheduler = scheduler;
        this.clock = clock;
        this.stopper = stopper;
        this.grace = grace;
    }

    public String name() {
        return definition.name();
    }

    ServiceDefinition definition() {
        return definition;
    }

    /** Sets up the service and starts its replicas; on failure stops what it started and throws. */
    public void start() throws EngineException {
        engine.setupService(definition);
        int replica = definition.spec().replica;
        log.debug("service={} replica={}", name(), replica);
        try {
            for (int i = 0; i < replica; i++) {
                startInstance(replicaName(i), null);
            }
        } catch (EngineException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    private String replicaName(int i) {
        return i == 0 ? name() : name() + ".i" + i;
    }

    /** Whether {@code instance} is the name of one of this service's supervised replicas. */
    public boolean isReplica(String instance) {
        int replica = definition.spec().replica;
        if (instance.equals(name())) {
            return replica > 0;
        }
        String prefix = name() + ".i";
        if (!instance.startsWith(prefix) || instance.length() == prefix.length()) {
            return false;
        }
        String n = instance.substring(prefix.length());
        if (!n.chars().allMatch(Character::isDigit) || n.startsWith("0") || n.length() > 9) {
            return false;
        }
        return Integer.parseInt(n) < replica;
    }

    /**
     * Starts an instance, replacing one of the same name. A replica name starts the replica as application.yml
     * defines it, with the service token ({@code extraEnv} is added, but cannot replace the token). Any other name
     * is a dynamic instance: it gets {@code extraEnv} and, as in Baetyl, not the service token.
     *
     * @param extraEnv the API request's variables, or null for the master's own start of a replica
     */
    public void startInstance(String instanceName, Map<String, String> extraEnv) throws EngineException {
        Kind kind = isReplica(instanceName) ? Kind.REPLICA : Kind.DYNAMIC;
        if (kind == Kind.DYNAMIC) {
            synchronized (this) {
                long dynamic = instances.values().stream().filter(i -> i.kind() == Kind.DYNAMIC).count();
                if (dynamic >= MAX_DYNAMIC_INSTANCES && !instances.containsKey(instanceName)) {
                    throw ApiException.tooMany("service " + name() + " already runs " + dynamic
                            + " dynamic instances, the limit");
                }
            }
        }
        stopInstance(instanceName);
        Map<String, String> env = new LinkedHashMap<>(definition.env());
        if (kind == Kind.DYNAMIC) {
            env.remove(Env.SERVICE_TOKEN);
            env.remove(Env.OE_SERVICE_TOKEN);
        }
        if (extraEnv != null) {
            extraEnv.forEach((k, v) -> {
                if (!k.equals(Env.SERVICE_TOKEN) && !k.equals(Env.OE_SERVICE_TOKEN)) {
                    env.put(k, v);
                }
            });
        }
        env.put(Env.SERVICE_INSTANCE_NAME, instanceName);
        env.put(Env.OE_SERVICE_INSTANCE_NAME, instanceName);
        SupervisedInstance inst = new SupervisedInstance(new InstanceSpec(definition, instanceName, env), kind, engine,
                stats, scheduler, clock, grace, this::forget);
        synchronized (this) {
            instances.put(instanceName, inst);
        }
        inst.start(); // on failure the instance has already forgotten itself
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

    /** Busy nanoseconds of the running replicas together; -1 when none runs or none can be measured. */
    long replicaBusyNanos() {
        List<SupervisedInstance> replicas;
        synchronized (this) {
            replicas = instances.values().stream().filter(i -> i.kind() == Kind.REPLICA).toList();
        }
        long sum = -1;
        for (SupervisedInstance i : replicas) {
            long t = i.busyNanos();
            if (t >= 0) {
                sum = Math.max(sum, 0) + t;
            }
        }
        return sum;
    }

    /** Whether an instance of that name is supervised now (running, starting or waiting to restart). */
    public synchronized boolean hasInstance(String instanceName) {
        return instances.containsKey(instanceName);
    }

    /** The state of an instance, or null when there is none of that name. */
    synchronized InstanceState state(String instanceName) {
        SupervisedInstance i = instances.get(instanceName);
        return i == null ? null : i.state();
    }

    /** Supervised instances now, with their state and total restarts (for the console and /metrics). */
    synchronized List<Operations.InstanceFacts> instanceFacts() {
        List<Operations.InstanceFacts> out = new ArrayList<>();
        instances.values().forEach(i -> out.add(new Operations.InstanceFacts(i.name(), i.state().status(),
                i.kind() == Kind.REPLICA, i.restartsTotal())));
        return out;
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
        stats.removeService(name());
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
            SupervisedInstance inst = live.get(instName);
            if (inst != null && !merged.containsKey("error")) {
                merged.putAll(inst.liveStats());
            }
            out.add(merged);
        });
        return out;
    }
}
