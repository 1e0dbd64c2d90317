package io.baetyl.function.manager;

import io.baetyl.sdk.api.MasterClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running function manager: one pool per function, one hub connection per rule, the optional gRPC server and
 * the periodic stats report. {@link #close()} stops taking messages first, then stops every instance it started.
 */
final class FunctionManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FunctionManager.class);
    /** How often pool stats go to the master when they changed, and at most how long an unchanged report waits. */
    static final Duration REPORT_EVERY = Duration.ofSeconds(5);
    static final Duration REPORT_AT_LEAST_EVERY = Duration.ofMinutes(1);

    private final ExecutorService blocking;
    private final ScheduledExecutorService scheduler;
    private final Map<String, ManagedFunction> functions = new LinkedHashMap<>();
    private final List<RuleRunner> rules = new ArrayList<>();
    private FunctionServer server;
    private volatile boolean closed;

    private FunctionManager() {
        AtomicInteger n = new AtomicInteger();
        blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fm-instances-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fm-scheduler");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param factories the instance factory of each function (the master-backed one in production)
     * @param reporter  receives the stats report (the master's instance report), or null
     */
    static FunctionManager start(ManagerConfig cfg, Function<ManagerConfig.FunctionSpec, InstanceFactory> factories,
                                 Consumer<Map<String, Object>> reporter) throws IOException {
        FunctionManager fm = new FunctionManager();
        try {
            for (ManagerConfig.FunctionSpec spec : cfg.functions) {
                FunctionPool pool = new FunctionPool(spec.name, spec.instance, factories.apply(spec), fm.blocking,
                        fm.scheduler);
                fm.functions.put(spec.name, new ManagedFunction(spec, pool));
            }
            if (!cfg.server.address.isBlank()) {
                fm.server = FunctionServer.start(cfg.server, fm.functions);
            }
            for (int i = 0; i < cfg.rules.size(); i++) {
                ManagerConfig.Rule r = cfg.rules.get(i);
                String clientId = cfg.clientIdOf(i);
                RuleRunner runner = new RuleRunner(clientId, r, fm.functions.get(r.function.name), cfg.hub).start();
                fm.rules.add(runner);
                runner.connected().thenRun(() -> log.info("rule subscribed: clientid={} topic={}", clientId,
                        r.subscribe.topic));
                log.info("rule started: clientid={} subscribe={} qos={} function={} publish={} qos={} retry={}",
                        clientId, r.subscribe.topic, r.subscribe.qos, r.function.name, r.publish.topic, r.publish.qos,
                        r.retry.max);
            }
            if (reporter != null) {
                fm.scheduleReports(reporter);
            }
        } catch (IOException | RuntimeException e) {
            fm.close();
            throw e;
        }
        return fm;
    }

    private void scheduleReports(Consumer<Map<String, Object>> reporter) {
        Object[] last = {null, 0L};
        scheduler.scheduleWithFixedDelay(() -> {
            Map<String, Object> report = Map.of("functions", stats());
            long now = System.nanoTime();
            if (report.equals(last[0]) && now - (long) last[1] < REPORT_AT_LEAST_EVERY.toNanos()) {
                return;
            }
            // Off the scheduler thread: a slow master must not delay idle eviction.
            blocking.execute(() -> {
                try {
                    reporter.accept(report);
                } catch (RuntimeException e) {
                    log.warn("stats report failed: error={}", e.getMessage());
                }
            });
            last[0] = report;
            last[1] = now;
        }, 0, REPORT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        functions.forEach((name, f) -> m.put(name, f.stats()));
        return m;
    }

    ManagedFunction function(String name) {
        return functions.get(name);
    }

    List<RuleRunner> rules() {
        return rules;
    }

    FunctionServer server() {
        return server;
    }

    /**
     * Stops instances left over by a previous run of the manager (killed before it could stop them): names of our
     * functions' services that look like {@code <service>.<function>.<n>}. Best effort.
     */
    @SuppressWarnings("unchecked")
    static void stopLeftovers(MasterClient master, ManagerConfig cfg) {
        Map<String, Object> inspect;
        try {
            inspect = master.inspectSystem();
        } catch (RuntimeException e) {
            log.debug("inspect failed, no leftover check: error={}", e.getMessage());
            return;
        }
        Object services = inspect.get("services");
        if (!(services instanceof List<?> list)) {
            return;
        }
        for (Object s : list) {
            if (!(s instanceof Map<?, ?> svc) || !(svc.get("instances") instanceof List<?> instances)) {
                continue;
            }
            String svcName = String.valueOf(svc.get("name"));
            for (Object i : instances) {
                if (!(i instanceof Map<?, ?> inst)) {
                    continue;
                }
                String name = String.valueOf(inst.get("name"));
                for (ManagerConfig.FunctionSpec f : cfg.functions) {
                    String prefix = f.service + "." + f.name + ".";
                    if (svcName.equals(f.service) && name.startsWith(prefix)
                            && name.substring(prefix.length()).matches("\\d+")) {
                        log.info("stopping leftover instance: function={} instance={}", f.name, name);
                        try {
                            master.stopInstance(f.service, name);
                        } catch (RuntimeException e) {
                            log.warn("failed to stop leftover instance: instance={} error={}", name, e.getMessage());
                        }
                    }
                }
            }
        }
    }

    /** Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (RuleRunner r : rules) {
            r.close();
        }
        if (server != null) {
            server.close();
        }
        // Stop all pools' instances in parallel: each stop may wait for a runtime's grace period.
        List<Thread> closers = new ArrayList<>();
        for (ManagedFunction f : functions.values()) {
            Thread t = new Thread(f::close, "fm-close-" + f.name());
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(40));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        scheduler.shutdownNow();
        blocking.shutdownNow();
    }
}
