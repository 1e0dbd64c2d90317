package io.baetyl.master.runtime;

import io.baetyl.master.api.ApiException;
import io.baetyl.master.check.AppCheck;
import io.baetyl.master.check.ChildJvmConfigChecker;
import io.baetyl.master.check.CheckFailedException;
import io.baetyl.master.check.PassedCheckCache;
import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.AppConfigLoader;
import io.baetyl.master.config.AppPaths;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Updates of the application (OTA type APP, SIGHUP, the boot itself) and of the master (type MST).
 *
 * <p>{@link #submit} and {@link #reload} are the one place where an update becomes asynchronous: they check what
 * can be checked at once (the path must lie inside the working dir), queue the update on a single thread and
 * return; the caller learns the outcome from the OTA log and inspect's {@code error}, as with Baetyl. At most
 * {@link #MAX_QUEUED} updates wait; more are refused with 429.
 *
 * <p>An app update keeps the services whose definition did not change, stops the others (dependents first), starts
 * the new ones in dependency order, and rolls back to the previous app when the new one cannot start. Which services
 * are kept is {@link UnchangedServices}'; swapping application.yml and its backup is {@link AppFileSwap}'s.
 */
final class Ota implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ota.class);
    static final int MAX_QUEUED = 4;
    /** An application.yml larger than this is not one; the update is refused before it is read. */
    static final long MAX_APP_FILE_BYTES = 1024 * 1024;

    private final Path workDir;
    private final PathGuard guard;
    private final Engine engine;
    private final Services services;
    private final MasterJar masterJar;
    private final Path otaLogFile;
    private final ThreadPoolExecutor queue = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                Thread t = new Thread(r, "ota");
                t.setDaemon(true);
                return t;
            });
    private volatile Runnable restartRequest = () -> { };
    /** Guarded by this. */
    private AppConfig current;
    /** The read-only volumes' content of each running service when it was started ({@link MountDigests}). */
    private Map<String, Map<String, String>> digests = Map.of();
    private volatile String confVersion = "";
    private volatile String lastError = "";
    private final OtaStepCounts stepCounts = new OtaStepCounts();

    /** @param otaLogFile conf.yml's otalog.path, resolved */
    Ota(Path workDir, PathGuard guard, Engine engine, Services services, MasterJar masterJar, Path otaLogFile) {
        this.workDir = workDir;
        this.guard = guard;
        this.engine = engine;
        this.services = services;
        this.masterJar = masterJar;
        this.otaLogFile = otaLogFile;
    }

    /** What to run when the master must exit to be restarted (after a master update). */
    void onRestartRequest(Runnable action) {
        this.restartRequest = action;
    }

    String confVersion() {
        return confVersion;
    }

    String lastError() {
        return lastError;
    }

    OtaStepCounts stepCounts() {
        return stepCounts;
    }

    Path otaLogFile() {
        return otaLogFile;
    }

    /**
     * Queues an update from the API. {@code type} MST updates the master, anything else the app (as in Baetyl).
     * An empty path for APP re-applies application.yml.
     *
     * @throws IllegalArgumentException when the path is outside the working dir or missing (also written to the OTA
     *                                  log as FAILURE, so an agent following it learns the outcome)
     * @throws ApiException             429 when {@link #MAX_QUEUED} updates already wait
     */
    void submit(String trace, String type, String path) {
        boolean mst = "MST".equals(type == null ? "" : type.toUpperCase(Locale.ROOT));
        String kind = mst ? "MST" : "APP";
        Path target = null;
        if (path != null && !path.isEmpty()) {
            try {
                target = guard.resolveRequest("path", path);
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalArgumentException("path: '" + LogSafe.q(path) + "' not found");
                }
            } catch (IllegalArgumentException e) {
                otaLog(trace, kind, true).step(OtaLog.FAILURE, e.getMessage());
                throw e;
            }
        } else if (mst) {
            throw new IllegalArgumentException("path: is required for a master update");
        }
        Path resolved = target;
        log.info("system update queued: type={} path={} trace={}", kind, LogSafe.q(path), LogSafe.q(trace));
        enqueue(() -> {
            if (mst) {
                applyMaster(trace, resolved);
                return;
            }
            try {
                applyApp(trace, resolved);
            } catch (Exception e) {
                logFailure("update failed: trace=" + LogSafe.q(trace) + " type=APP path=" + LogSafe.q(path), e);
                lastError = LogSafe.q(e.getMessage(), 1000);
            }
        });
    }

    /** SIGHUP: re-read application.yml and apply the difference, queued like an update. */
    void reload() {
        enqueue(() -> {
            try {
                applyApp(null, null);
                log.info("application reloaded: services={}", services.names());
            } catch (Exception e) {
                logFailure("reload failed, previous application kept", e);
            }
        });
    }

    private void enqueue(Runnable update) {
        try {
            queue.execute(update);
        } catch (RejectedExecutionException e) {
            throw ApiException.tooMany("too many updates: one is running and " + MAX_QUEUED
                    + " are queued; retry when ota.log shows the running one finished");
        }
    }

    /**
     * Applies application.yml, or with a target the app at {@code target} (a file, or a dir holding
     * application.yml). Unchanged services keep running. On failure the previous app is restored and restarted.
     * Runs synchronously: at boot on the starting thread, otherwise on the update thread.
     *
     * @param target already confined to the working dir, or null
     */
    synchronized void applyApp(String trace, Path target) throws Exception {
        applyApp(trace, target, false);
    }

    /** The boot's apply: as {@link #applyApp(String, Path)}, the module config check skipped if it cannot change. */
    synchronized void boot() throws Exception {
        applyApp(null, null, true);
    }

    private void applyApp(String trace, Path target, boolean boot) throws Exception {
        Path appFile = workDir.resolve(AppConfig.DEFAULT_PATH);
        Path oldFile = appFile.resolveSibling("application.yml.old");
        OtaLog ota = otaLog(trace, "APP", target != null);
        ota.step(OtaLog.UPDATING, null);
        if (target != null) {
            try {
                AppFileSwap.backupAndCopy(appFile, oldFile, target);
            } catch (IOException e) {
                ota.step(OtaLog.FAILURE, e.getMessage());
                throw new IOException("failed to update app: " + e.getMessage(), e);
            }
        }
        AppConfig next;
        try {
            next = AppConfigLoader.load(appFile);
            try {
                AppPaths.check(next, guard);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(appFile + ": " + e.getMessage(), e);
            }
            check(next, boot);
        } catch (ConfigException e) {
            if (target != null) {
                AppFileSwap.restore(oldFile, appFile);
            }
            ota.step(OtaLog.FAILURE, e.getMessage());
            throw e;
        }
        AppConfig previous = current != null ? current : AppFileSwap.loadOld(oldFile, guard);
        Set<String> keep = AppDiff.unchanged(next, current);
        // Read before anything starts: a file edited while its service starts then counts as changed next time.
        Map<String, Map<String, String>> nextDigests = UnchangedServices.digestsOf(workDir, next);
        keep = UnchangedServices.keepUnchangedFiles(current, digests, next, keep, nextDigests);
        engine.prepare(next);
        services.stopExcept(keep);
        try {
            services.start(next);
        } catch (Exception e) {
            String error = "failed to start app: " + e.getMessage();
            ota.step(OtaLog.ROLLINGBACK, error);
            if (Files.exists(oldFile)) {
                AppFileSwap.restore(oldFile, appFile);
            }
            services.stopExcept(keep);
            if (previous != null) {
                try {
                    services.start(previous);
                    current = previous;
                    digests = UnchangedServices.digestsOf(workDir, previous);
                    confVersion = previous.appVersion;
                } catch (Exception e2) {
                    error = "failed to restart old app: " + e2.getMessage() + "; " + error;
                    ota.step(OtaLog.FAILURE, error);
                    lastError = LogSafe.q(error, 1000);
                    throw new EngineException(error, e2);
                }
            } else {
                current = null;
            }
            ota.step(OtaLog.ROLLEDBACK, error);
            lastError = LogSafe.q(error, 1000);
            throw new EngineException(error, e);
        }
        current = next;
        digests = nextDigests;
        confVersion = next.appVersion;
        lastError = "";
        Files.deleteIfExists(oldFile);
        ota.step(OtaLog.UPDATED, null);
    }

    /**
     * What {@code start} would fail on, found before anything stops or starts ({@link AppCheck}): native packages,
     * module configs. Warnings (unknown keys) are logged.
     *
     * @param boot true at the master's start: the module configs that passed before, unchanged, are not checked again
     * @throws CheckFailedException with one line per problem
     */
    private void check(AppConfig next, boolean boot) {
        // The modules' own config classes (about 1,800 classes for the native example) load in a short-lived child
        // JVM, not in the master, which would keep their metaspace and the heap they grew (docs/PERFORMANCE.md).
        // That child costs about a second of CPU; at boot it is skipped when the files, the module jars and the master
        // are those of the last passing check (PassedCheckCache). An OTA or a reload always checks in full (as does
        // `baetyl check`, in its own JVM) and records a pass for the next boot.
        AppCheck.Report report = AppCheck.run(workDir, engine.name(), next, AppConfig.DEFAULT_PATH, AppCheck.keys(next),
                new PassedCheckCache(workDir, new ChildJvmConfigChecker(workDir, ChildJvmConfigChecker.defaultFlags()),
                        PassedCheckCache.masterIdentity(Version.VERSION), boot, System.getenv()));
        report.warnings().forEach(w -> log.warn("{}", LogSafe.q(w, 2000)));
        if (!report.ok()) {
            throw new CheckFailedException(report.errors());
        }
    }

    /** Logs an update's failure, one line per problem when the check found several. */
    static void logFailure(String what, Exception e) {
        if (e instanceof CheckFailedException c) {
            log.error("{}: {} problem(s) in the new application:", what, c.problems().size());
            c.problems().forEach(p -> log.error("  {}", LogSafe.q(p, 2000)));
        } else {
            log.error("{}: {}", what, LogSafe.q(e.getMessage()));
        }
    }

    /**
     * Master OTA: validates and swaps in the new master ({@link MasterJar}), then asks the process to exit so that
     * systemd starts the new one. A candidate that fails changes nothing and is logged as FAILURE.
     */
    synchronized void applyMaster(String trace, Path target) {
        OtaLog ota = otaLog(trace, "MST", true);
        ota.step(OtaLog.UPDATING, null);
        try {
            masterJar.apply(target, trace);
        } catch (IOException e) {
            ota.step(OtaLog.FAILURE, e.getMessage());
            lastError = LogSafe.q("failed to update master: " + e.getMessage(), 1000);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        ota.step(OtaLog.RESTARTING, null);
        restartRequest.run();
    }

    /** As in Baetyl, the OTA log is written when an update names a target ({@code force}) or the file exists. */
    OtaLog otaLog(String trace, String type, boolean force) {
        return new OtaLog(otaLogFile, force, trace, type, stepCounts);
    }

    /** Stops taking updates and drops the queued ones; a running one finishes its step (it is not interrupted). */
    @Override
    public void close() {
        queue.getQueue().clear();
        queue.shutdown();
    }
}
