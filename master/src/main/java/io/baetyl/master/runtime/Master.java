package io.baetyl.master.runtime;

import io.baetyl.master.api.ApiServer;
import io.baetyl.master.config.MasterConfig;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.Engines;
import io.baetyl.master.security.AccessPolicy;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.Env;
import io.baetyl.sdk.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master: wires the engine, the running services ({@link Services}), updates ({@link Ota}), stats and the REST
 * API together, and runs the life cycle: recover what a crashed master left, open the API, start the app; on close,
 * stop everything in reverse dependency order.
 */
public final class Master implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Master.class);

    private final Path workDir;
    private final MasterConfig config;
    private final StatsStore stats;
    private final Engine engine;
    private final ScheduledExecutorService supervisor;
    /**
     * Stops run here, all at once: each may block for a whole grace period, and the common pool would run at most
     * cores-1 such blocking stops at a time on a bigger machine.
     */
    private final ExecutorService stopper = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stopper");
        t.setDaemon(true);
        return t;
    });
    private final Services services;
    private final Ota ota;
    private final MasterJar masterJar;
    private final PathGuard guard;
    private final AtomicBoolean closed = new AtomicBoolean();
    private ApiServer api;
    /** The console and /metrics, when conf.yml turns one of them on; their classes are not loaded otherwise. */
    private AutoCloseable web;

    public Master(Path workDir, MasterConfig config) {
        this(workDir, config, MasterConfig.DEFAULT_PATH);
    }

    /** @param confArg the -c the master was started with, passed on to a new master's check */
    public Master(Path workDir, MasterConfig config, String confArg) {
        this.workDir = workDir.toAbsolutePath().normalize();
        this.config = config;
        try {
            Files.createDirectories(this.workDir.resolve("var/db/baetyl"));
        } catch (IOException e) {
            throw new ConfigException("cannot create " + this.workDir.resolve("var/db/baetyl") + ": " + e.getMessage());
        }
        this.guard = new PathGuard(this.workDir);
        this.stats = new StatsStore(this.workDir.resolve("var/db/baetyl/application.stats"));
        this.supervisor = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "supervisor");
            t.setDaemon(true);
            return t;
        });
        this.engine = Engines.create(config, this.workDir, apiSocket());
        this.services = new Services(engine, stats, Scheduler.of(supervisor), Clock.systemUTC(), stopper, config.grace,
                config.startSettle, globalEnv());
        this.masterJar = new MasterJar(MasterJar.runningJar(), this.workDir, confArg);
        this.ota = new Ota(this.workDir, guard, engine, services, masterJar, this.workDir.resolve(config.otalog.path));
    }

    /** Absolute path of the API socket, or null when the API listens on tcp. */
    public Path apiSocket() {
        if (!"unix".equals(config.server.scheme())) {
            return null;
        }
        return workDir.resolve(config.server.unixPath()).normalize();
    }

    public Path workDir() {
        return workDir;
    }

    public MasterConfig config() {
        return config;
    }

    /** Boots: recovers orphans of a crashed master, opens the API, then loads and starts the application. */
    public void start() throws Exception {
        engine.recover(stats.loadPrevious());
        api = new ApiServer(config.server, workDir, new MasterApiImpl(this,
                new AccessPolicy(config.server.update.allowed)));
        api.start();
        if (config.console.enabled || config.metrics.enabled) {
            web = io.baetyl.master.web.OperatorWeb.start(new Operations(this,
                    new AccessPolicy(config.server.update.allowed)));
        }
        ota.boot();
        log.info("services started: {}", services.names());
    }

    /** SIGTERM or SIGINT: a start in progress stops waiting between services and starts no more of them. */
    public void stopStarting() {
        services.closing();
    }

    /** SIGHUP: re-read application.yml and apply the difference. A failing new app is rolled back. */
    public void reload() {
        try {
            ota.reload();
        } catch (RuntimeException e) {
            log.error("reload not applied: {}", io.baetyl.master.security.LogSafe.q(e.getMessage()));
        }
    }

    /** What to run when the master must exit to be restarted (after a master update). */
    public void onRestartRequest(Runnable action) {
        ota.onRestartRequest(action);
    }

    /** After a successful start: a pending master update is now committed (UPDATED). */
    public void commitMasterUpdate() {
        masterJar.commitIfPending((trace, type) -> ota.otaLog(trace, type, true));
    }

    /** After a failed start: puts back the previous master if an update was pending. True when it did. */
    public boolean rollBackMasterUpdate(String error) {
        return masterJar.rollBackIfPending((trace, type) -> ota.otaLog(trace, type, true), error);
    }

    private Map<String, String> globalEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        String address = engine.masterApiAddressForInstances(
                apiSocket() != null ? "unix://" + apiSocket() : config.server.address);
        env.put(Env.MASTER_API_ADDRESS, address);
        env.put(Env.OE_MASTER_API, address);
        if (apiSocket() != null) {
            env.put(Env.MASTER_API_SOCKET, apiSocket().toString());
        }
        env.put(Env.MASTER_API_VERSION, "v1");
        env.put(Env.OE_MASTER_API_VERSION, "v1");
        env.put(Env.HOST_OS, "linux");
        env.put(Env.OE_HOST_OS, "linux");
        env.put(Env.SERVICE_MODE, config.mode);
        env.put(Env.OE_RUNNING_MODE, config.mode);
        String hostId = io.baetyl.master.inspect.HostStats.hostId();
        env.put(Env.HOST_ID, hostId);
        env.put(Env.OE_HOST_ID, hostId);
        if (!config.snfile.isBlank()) {
            try {
                env.put(Env.HOST_SN, Files.readString(workDir.resolve(config.snfile)).trim());
            } catch (IOException e) {
                throw new ConfigException("snfile: cannot read '" + config.snfile + "': " + e.getMessage());
            }
        }
        return env;
    }

    // ---- what the REST API needs ----

    Services services() {
        return services;
    }

    StatsStore stats() {
        return stats;
    }

    Ota ota() {
        return ota;
    }

    PathGuard guard() {
        return guard;
    }

    /** Stops the API, every service (dependents first, each with its grace period) and the engine. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("master stopping");
        if (web != null) {
            try {
                web.close();
            } catch (Exception e) {
                log.warn("closing the console and metrics failed: {}", e.toString());
            }
        }
        if (api != null) {
            api.close();
        }
        stopStarting();
        ota.close();
        synchronized (ota) { // an update in progress finishes its step first
            services.stopExcept(Set.of());
        }
        engine.close();
        supervisor.shutdownNow();
        stopper.shutdown();
        log.info("master stopped");
    }
}
