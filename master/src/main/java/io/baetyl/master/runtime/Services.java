package io.baetyl.master.runtime;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.ServiceDefinition;
import io.baetyl.sdk.Env;
import io.baetyl.sdk.net.ServiceHosts;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running services and their tokens. Services start in dependency order and stop in reverse dependency order:
 * a service stops only after every running service that depends on it has stopped (those of one level stop in
 * parallel, each with its grace period), so a function manager is gone before the hub it publishes to. Between two
 * starts the master lets the one just started settle ({@link StartSettle}), so that each starts with the cores to
 * itself.
 */
final class Services {
    private static final Logger log = LoggerFactory.getLogger(Services.class);

    private final Engine engine;
    private final StatsStore stats;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Executor stopper;
    private final Duration grace;
    private final Map<String, String> globalEnv;
    private final StartSettle settle;
    /** Set when the master closes: a start in progress stops waiting and starts nothing more. */
    private volatile boolean closing;
    /** In start order. */
    private final Map<String, ServiceRunner> running = new LinkedHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    /** @param startSettle how long a start waits at most for a service to settle before the next one (0: no wait) */
    Services(Engine engine, StatsStore stats, Scheduler scheduler, Clock clock, Executor stopper, Duration grace,
             Duration startSettle, Map<String, String> globalEnv) {
        this.engine = engine;
        this.stats = stats;
        this.scheduler = scheduler;
        this.clock = clock;
        this.stopper = stopper;
        this.grace = grace;
        this.globalEnv = Map.copyOf(globalEnv);
        this.settle = new StartSettle(startSettle, d -> Thread.sleep(d.toMillis()));
    }

    /**
     * Starts the app's services that are not running yet, in dependency order, each once the one before has settled;
     * stops at the first failure. Starts nothing more once the master is closing.
     */
    void start(AppConfig app) throws EngineException {
        List<String> toStart = new ArrayList<>();
        synchronized (this) {
            app.startOrder().stream().filter(n -> !running.containsKey(n)).forEach(toStart::add);
        }
        ServiceRunner previous = null; // the last one started with processes of its own
        for (String name : toStart) {
            // A service of replica 0 (a function runtime, started on demand) starts no process: nothing to make room for.
            if (previous != null && app.services.get(name).replica > 0) {
                awaitSettled(previous);
                previous = null;
            }
            if (closing) {
                log.info("not starting service={}: the master is stopping", name);
                return;
            }
            String token = UUID.randomUUID().toString();
            Map<String, String> env = new LinkedHashMap<>(app.services.get(name).environment);
            env.putAll(globalEnv);
            env.put(Env.SERVICE_NAME, name);
            env.put(Env.SERVICE_TOKEN, token);
            env.put(Env.OE_SERVICE_NAME, name);
            env.put(Env.OE_SERVICE_TOKEN, token);
            if ("native".equals(engine.name())) {
                // Every service runs on this host: a module may dial another by its name (tcp://localhub:1883).
                env.put(ServiceHosts.APP_SERVICES, String.join(",", app.services.keySet()));
            }
            ServiceRunner runner = new ServiceRunner(new ServiceDefinition(name, app.services.get(name), app.volumes, env),
                    engine, stats, scheduler, clock, stopper, grace);
            synchronized (this) {
                running.put(name, runner);
            }
            tokens.put(name, token);
            try {
                runner.start();
            } catch (EngineException | RuntimeException e) {
                synchronized (this) {
                    running.remove(name);
                }
                tokens.remove(name);
                throw e;
            }
            log.info("service started: service={}", name);
            if (app.services.get(name).replica > 0) {
                previous = runner;
            }
        }
    }

    private void awaitSettled(ServiceRunner runner) {
        long began = System.nanoTime();
        StartSettle.Outcome outcome;
        try {
            outcome = settle.await(runner::replicaBusyNanos, () -> closing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        long ms = (System.nanoTime() - began) / 1_000_000;
        switch (outcome) {
            case SETTLED -> log.debug("service={} settled after {} ms", runner.name(), ms);
            case STILL_BUSY -> log.info("service={} still busy after {} ms; starting the next service anyway",
                    runner.name(), ms);
            default -> { }
        }
    }

    /** The master is closing: a start in progress stops waiting and starts no further service. */
    void closing() {
        closing = true;
    }

    /** Stops every running service not in {@code keep}, dependents before their dependencies. */
    void stopExcept(Set<String> keep) {
        Map<String, ServiceRunner> stopping = new LinkedHashMap<>();
        synchronized (this) {
            for (String name : new ArrayList<>(running.keySet())) {
                if (!keep.contains(name)) {
                    stopping.put(name, running.remove(name));
                    tokens.remove(name); // its token stops working at once, before its instances are gone
                }
            }
        }
        for (List<ServiceRunner> level : stopLevels(stopping)) {
            CompletableFuture.allOf(level.stream()
                    .map(s -> CompletableFuture.runAsync(() -> {
                        s.stop();
                        log.info("service stopped: service={}", s.name());
                    }, stopper))
                    .toArray(CompletableFuture[]::new)).join();
        }
    }

    /**
     * Groups services into stop levels: the first level holds those no other stopping service depends on, the next
     * those only the first level depended on, and so on. depends_on has no cycles (validated), so every service
     * lands in a level.
     */
    static List<List<ServiceRunner>> stopLevels(Map<String, ServiceRunner> stopping) {
        Map<String, Integer> dependents = new LinkedHashMap<>();
        stopping.keySet().forEach(n -> dependents.put(n, 0));
        stopping.values().forEach(s -> dependsOn(s, stopping.keySet()).forEach(d -> dependents.merge(d, 1, Integer::sum)));
        List<List<ServiceRunner>> levels = new ArrayList<>();
        Set<String> left = new LinkedHashSet<>(stopping.keySet());
        while (!left.isEmpty()) {
            List<ServiceRunner> level = new ArrayList<>();
            for (String n : left) {
                if (dependents.get(n) == 0) {
                    level.add(stopping.get(n));
                }
            }
            if (level.isEmpty()) { // cannot happen with a validated app; never loop forever
                left.forEach(n -> level.add(stopping.get(n)));
            }
            for (ServiceRunner s : level) {
                left.remove(s.name());
                dependsOn(s, left).forEach(d -> dependents.merge(d, -1, Integer::sum));
            }
            levels.add(level);
        }
        return levels;
    }

    private static List<String> dependsOn(ServiceRunner s, Set<String> among) {
        return s.definition().spec().dependsOn.stream().distinct().filter(among::contains).toList();
    }

    boolean authenticate(String username, String password) {
        String token = username == null ? null : tokens.get(username);
        return token != null && password != null && token.equals(password);
    }

    /** @throws IllegalArgumentException {@code service (x) not found}, as Baetyl words it */
    synchronized ServiceRunner get(String name) {
        ServiceRunner s = running.get(name);
        if (s == null) {
            throw new IllegalArgumentException("service (" + io.baetyl.master.security.LogSafe.q(name) + ") not found");
        }
        return s;
    }

    synchronized Set<String> names() {
        return new LinkedHashSet<>(running.keySet());
    }

    synchronized List<ServiceRunner> all() {
        return new ArrayList<>(running.values());
    }
}
