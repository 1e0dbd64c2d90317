package io.baetyl.master.cli;

import io.baetyl.master.check.CheckFailedException;
import io.baetyl.master.config.MasterConfig;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.runtime.Master;
import io.baetyl.master.runtime.MasterLock;
import io.baetyl.master.security.LogSafe;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.log.Logging;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code baetyl start}: runs the master in the foreground until SIGTERM or SIGINT, which stop every service (each
 * with the grace period) and exit 0. SIGHUP re-reads application.yml and applies the changes.
 */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start the master and the application.")
class StartCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(StartCommand.class);

    @Mixin
    WorkdirOptions options;

    /**
     * Runs {@code start} with options read without picocli ({@link PlainStartArgs}); the exit code is call()'s, as
     * through picocli's {@code execute}, and 1 with the stack trace for an exception (a bug), as picocli gives it.
     * An {@link Error} is handled the same way, so that the master exits rather than leave its threads running.
     */
    static int run(WorkdirOptions options) {
        StartCommand start = new StartCommand();
        start.options = options;
        try {
            return start.call();
        } catch (RuntimeException | Error e) {
            e.printStackTrace();
            return 1;
        }
    }

    @Override
    public Integer call() {
        MasterConfig cfg;
        try {
            cfg = options.loadConfig();
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        Logging.setup(cfg.logger, options.workdir());
        MasterLock lock;
        try {
            lock = MasterLock.acquire(options.workdir());
        } catch (MasterLock.HeldException e) {
            log.error("not starting: {}", e.getMessage()); // nothing of the running master's was touched
            return 1;
        } catch (java.io.IOException e) {
            log.error("not starting: cannot write {}: {}", MasterLock.FILE, LogSafe.q(e.toString(), 500));
            return 1;
        }
        if (lock == null) {
            log.warn("{} cannot be locked on this file system: a second master on this working dir is not refused",
                    MasterLock.FILE);
        }
        try {
            return run(cfg);
        } finally {
            if (lock != null) {
                lock.close(); // also keeps the lock reachable, so no cleaner closes its file while the master runs
            }
        }
    }

    private int run(MasterConfig cfg) {
        Master master;
        try {
            master = new Master(options.workdir(), cfg, options.config);
        } catch (ConfigException e) {
            log.error("{}", LogSafe.q(e.getMessage(), 2000));
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        // A start still spacing its services (start_settle) starts no more of them once asked to stop.
        Signal.handle(new Signal("TERM"), s -> {
            master.stopStarting();
            stop.countDown();
        });
        SignalHandler intBefore = Signal.handle(new Signal("INT"), s -> {
            master.stopStarting();
            stop.countDown();
        });
        SignalHandler hupBefore = Signal.handle(new Signal("HUP"), s -> master.reload());
        // A signal ignored when the JVM started stays ignored (bin/baetyl resets both where its env can)
        if (hupBefore == SignalHandler.SIG_IGN) {
            log.warn("SIGHUP was ignored when the master started (nohup?) and stays ignored: a reload needs a restart");
        }
        if (intBefore == SignalHandler.SIG_IGN) {
            log.warn("SIGINT was ignored when the master started and stays ignored: stop it with SIGTERM");
        }
        Signal.handle(new Signal("PIPE"), s -> { });
        master.onRestartRequest(stop::countDown); // master OTA: exit 0, systemd starts the new master
        // Any other exit (System.exit elsewhere, fatal error) still stops the services.
        Runtime.getRuntime().addShutdownHook(new Thread(master::close, "shutdown"));
        try {
            log.info("master starting: workdir={} mode={}", options.workdir(), cfg.mode);
            master.start();
        } catch (Exception e) {
            reportStartFailure(e);
            master.close();
            if (master.rollBackMasterUpdate(e.getMessage())) {
                log.error("the previous master is back in place; it runs at the next start");
            }
            return 1;
        }
        master.commitMasterUpdate();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        master.close();
        return 0;
    }

    /**
     * One line per problem and no stack trace for what the user can fix (config, packages, engine errors, files);
     * a stack trace only for what would be a bug.
     */
    private static void reportStartFailure(Exception e) {
        if (e instanceof CheckFailedException c) {
            log.error("failed to start master: {} problem(s), nothing was started:", c.problems().size());
            c.problems().forEach(p -> log.error("{}", LogSafe.q(p, 2000)));
        } else if (e instanceof ConfigException || e instanceof EngineException || e instanceof java.io.IOException) {
            log.error("failed to start master: {}", LogSafe.q(e.getMessage(), 2000));
        } else {
            log.error("failed to start master: {}", LogSafe.q(e.getMessage(), 2000), e);
        }
    }
}
