package io.baetyl.master.runtime;

import io.baetyl.master.api.ApiServer;
import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.AppConfigLoader;
import io.baetyl.master.config.MasterConfig;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.Engines;
import io.baetyl.master.engine.ServiceDefinition;
import io.baetyl.sdk.Env;
import io.baetyl.sdk.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master: owns the engine, the REST API and the running application. It loads application.yml, starts services
 * in dependency order, applies updates (OTA or SIGHUP) by keeping unchanged services and restarting the rest, and
 * rolls back to the previous app when the new one cannot start.
 */
public final class Master implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Master.class);

    private final Path workDir;
    private final MasterConfig config;
    private final StatsStore stats;
    private final Engine engine;
    private final ScheduledExecutorService scheduler;
    /**
     * Stops run here, all at once: each may block for a whole grace period, and the common pool would run at most
     * cores-1 such blocking stops at a time on a bigger machine.
     */
    private final ExecutorService stopper = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stopper");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, ServiceRunner> services = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> globalEnv;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String confArg;
    private Runnable restartRequest = () -> { };
    private ApiServer api;
    private AppConfig current;
    private volatile String confVersion = "";
    private volatile String lastError = "";

    public Master(Path workDir, MasterConfig config) {
        this(workDir, config, MasterConfig.DEFAULT_PATH);
    }

    /** @param confArg the -c the master was started with, passed on to a new master's check */
    public Master(Path workDir, MasterConfig config, String confArg) {
        this.workDir = workDir.toAbsolutePath().normalize();
        this.config = config;
        this.confArg = confArg;
        this.stats = new StatsStore(this.workDir.resolve("var/db/baetyl/application.stats"));
        this.scheduler = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "supervisor");
            t.setDaemon(true);
            return t;
        });
        this.engine = Engines.create(config, this.workDir, apiSocket());
        this.globalEnv = globalEnv();
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
        Files.createDirectories(workDir.resolve("var/db/baetyl"));
        engine.recover(stats.loadPrevious());
        api = new ApiServer(config.server, workDir, new MasterApiImpl(this));
        api.start();
        updateApp(null, null);
        log.info("services started: {}", services.keySet());
    }

    /**
     * Applies application.yml (or, with a target, the app at {@code target}: a file, or a dir holding
     * application.yml). Unchanged services keep running. On failure the previous app is restored and restarted.
     */
    public synchronized void updateApp(String trace, String target) throws Exception {
        Path appFile = workDir.resolve(AppConfig.DEFAULT_PATH);
        Path oldFile = appFile.resolveSibling("application.yml.old");
        OtaLog ota = otaLog(trace, "APP", target != null && !target.isEmpty());
        ota.step(OtaLog.UPDATING, null);
        boolean hasTarget = target != null && !target.isEmpty();
        if (hasTarget) {
            try {
                backupAndCopy(appFile, oldFile, workDir.resolve(target));
            } catch (IOException e) {
                ota.step(OtaLog.FAILURE, e.toString());
                throw new IOException("failed to update app: " + e.getMessage(), e);
            }
        }
        AppConfig next;
        try {
            next = AppConfigLoader.load(appFile);
        } catch (ConfigException e) {
            if (hasTarget) {
                restore(oldFile, appFile);
            }
            ota.step(OtaLog.FAILURE, e.getMessage());
            throw e;
        }
        AppConfig previous = current != null ? current : loadOld(oldFile);
        Set<String> keep = AppDiff.unchanged(next, current);
        engine.prepare(next);
        stopServicesExcept(keep);
        try {
            startServices(next);
        } catch (Exception e) {
            String error = "failed to start app: " + e.getMessage();
            ota.step(OtaLog.ROLLINGBACK, error);
            if (Files.exists(oldFile)) {
                restore(oldFile, appFile);
            }
            stopServicesExcept(keep);
            if (previous != null) {
                try {
                    startServices(previous);
                    current = previous;
                    confVersion = previous.appVersion;
                } catch (Exception e2) {
                    error = "failed to restart old app: " + e2.getMessage() + "; " + error;
                    ota.step(OtaLog.FAILURE, error);
                    lastError = error;
                    throw new EngineException(error, e2);
                }
            } else {
                current = null;
            }
            ota.step(OtaLog.ROLLEDBACK, error);
            lastError = error;
            throw new EngineException(error, e);
        }
        current = next;
        confVersion = next.appVersion;
        lastError = "";
        Files.deleteIfExists(oldFile);
        ota.step(OtaLog.UPDATED, null);
    }

    /**
     * Master OTA: checks and swaps in the new master (see {@link MasterUpdate}), then asks the process to exit so
     * that systemd starts the new one. A failed check changes nothing and is logged as FAILURE.
     */
    public void updateMaster(String trace, String target) {
        OtaLog ota = otaLog(trace, "MST", true);
        ota.step(OtaLog.UPDATING, null);
        try {
            MasterUpdate.apply(workDir, confArg, workDir.resolve(target == null ? "" : target), trace);
        } catch (IOException e) {
            ota.step(OtaLog.FAILURE, e.getMessage());
            lastError = "failed to update master: " + e.getMessage();
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        ota.step(OtaLog.RESTARTING, null);
        restartRequest.run();
    }

    OtaLog otaLog(String trace, String type, boolean force) {
        return new OtaLog(workDir.resolve(config.otalog.path), force, trace, type);
    }

    /** What to run when the master must exit to be restarted (after a master update). */
    public void onRestartRequest(Runnable action) {
        this.restartRequest = action;
    }

    /** SIGHUP: re-read application.yml and apply the difference. A failing new app is rolled back. */
    public void reload() {
        try {
            updateApp(null, null);
            log.info("application reloaded: services={}", services.keySet());
        } catch (Exception e) {
            log.error("reload failed, previous application kept: {}", e.getMessage());
        }
    }

    private void backupAndCopy(Path appFile, Path oldFile, Path target) throws IOException {
        Path source = Files.isDirectory(target) ? target.resolve("application.yml") : target;
        if (!Files.isRegularFile(source)) {
            throw new IOException(source + ": file not found");
        }
        if (Files.exists(appFile)) {
            Files.move(appFile, oldFile, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.writeString(oldFile, "", StandardCharsets.UTF_8);
        }
        Files.copy(source, appFile, StandardCopyOption.REPLACE_EXISTING);
    }

    private void restore(Path oldFile, Path appFile) {
        try {
            Files.move(oldFile, appFile, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.error("cannot restore {} from {}: {}", appFile, oldFile, e.toString());
        }
    }

    /** The app a crashed OTA left as application.yml.old, to roll back to at boot; null if none or unreadable. */
    private AppConfig loadOld(Path oldFile) {
        if (!Files.exists(oldFile)) {
            return null;
        }
        try {
            return AppConfigLoader.load(oldFile);
        } catch (ConfigException e) {
            log.warn("ignoring {}: {}", oldFile, e.getMessage());
            return null;
        }
    }

    private void startServices(AppConfig app) throws EngineException {
        for (String name : app.startOrder()) {
            if (services.containsKey(name)) {
                continue;
            }
            String token = UUID.randomUUID().toString();
            Map<String, String> env = new LinkedHashMap<>(app.services.get(name).environment);
            env.putAll(globalEnv);
            env.put(Env.SERVICE_NAME, name);
            env.put(Env.SERVICE_TOKEN, token);
            env.put(Env.OE_SERVICE_NAME, name);
            env.put(Env.OE_SERVICE_TOKEN, token);
            ServiceRunner runner = new ServiceRunner(new ServiceDefinition(name, app.services.get(name), app.volumes, env),
                    engine, stats, scheduler, stopper, config.grace);
            tokens.put(name, token);
            services.put(name, runner);
            try {
                runner.start();
            } catch (EngineException | RuntimeException e) {
                services.remove(name);
                tokens.remove(name);
                throw e;
            }
            log.info("service started: service={}", name);
        }
    }

    private void stopServicesExcept(Set<String> keep) {
        List<ServiceRunner> stopping = new ArrayList<>();
        for (String name : new ArrayList<>(services.keySet())) {
            if (!keep.contains(name)) {
                stopping.add(services.remove(name));
                tokens.remove(name);
            }
        }
        CompletableFuture.allOf(stopping.stream()
                .map(s -> CompletableFuture.runAsync(() -> {
                    s.stop();
                    log.info("service stopped: service={}", s.name());
                }, stopper))
                .toArray(CompletableFuture[]::new)).join();
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

    boolean authenticate(String username, String password) {
        String token = username == null ? null : tokens.get(username);
        return token != null && password != null && token.equals(password);
    }

    ServiceRunner service(String name) {
        ServiceRunner s = services.get(name);
        if (s == null) {
            throw new IllegalArgumentException("service (" + name + ") not found");
        }
        return s;
    }

    StatsStore stats() {
        return stats;
    }

    Map<String, ServiceRunner> services() {
        return services;
    }

    String confVersion() {
        return confVersion;
    }

    String lastError() {
        return lastError;
    }

    void setLastError(String error) {
        lastError = error == null ? "" : error;
    }

    /** Stops the API, every service (in parallel, each with its grace period) and the engine. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("master stopping");
        if (api != null) {
            api.close();
        }
        synchronized (this) {
            stopServicesExcept(Set.of());
        }
        engine.close();
        scheduler.shutdownNow();
        stopper.shutdown();
        log.info("master stopped");
    }
}
