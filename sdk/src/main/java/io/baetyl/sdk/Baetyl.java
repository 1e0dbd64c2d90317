package io.baetyl.sdk;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.baetyl.sdk.api.HttpMasterClient;
import io.baetyl.sdk.api.MasterClient;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import io.baetyl.sdk.log.LoggerConfig;
import io.baetyl.sdk.log.Logging;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of a Java module, like the Go SDK's {@code baetyl.Run}:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     Baetyl.run(args, ctx -> {
 *         MyConfig cfg = ctx.loadConfig(MyConfig.class);
 *         try (MyServer s = MyServer.start(cfg)) {
 *             ctx.awaitShutdown();
 *         }
 *     });
 * }
 * }</pre>
 *
 * <p>Reads {@code -c <file>} (default {@code etc/baetyl/service.yml}), sets up logging from its {@code logger:}
 * block, builds the master client from the environment, runs the handler and exits: 0 when the handler returns,
 * 1 when it throws or the config is invalid. SIGTERM and SIGINT release {@link Context#awaitShutdown()}.
 */
public final class Baetyl {
    public static final String DEFAULT_CONFIG_FILE = "etc/baetyl/service.yml";
    /** How long a signal waits for the handler to wind down before the JVM goes on exiting. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

    /** The module's body; returns when the module should stop (usually after {@link Context#awaitShutdown()}). */
    @FunctionalInterface
    public interface Handler {
        void run(Context ctx) throws Exception;
    }

    /** Only the {@code logger:} block of a service.yml; other keys belong to the module and are not warned about. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class LoggerOnly {
        public LoggerConfig logger = new LoggerConfig();
    }

    private Baetyl() {
    }

    /** Runs the module and exits the JVM with its status. Never returns. */
    public static void run(String[] args, Handler handler) {
        int status = run(args, System.getenv(), handler, true);
        System.exit(status);
    }

    /**
     * Runs the module and returns its exit status instead of exiting (for tests and embedding).
     *
     * @param handleSignals install the SIGTERM/SIGINT handling; false leaves shutdown to
     *                      {@link DefaultContext#requestShutdown()}
     */
    public static int run(String[] args, Map<String, String> env, Handler handler, boolean handleSignals) {
        Logging.setupConsole();
        Logger log = LoggerFactory.getLogger("baetyl.service");
        Path configFile;
        try {
            configFile = configFile(args);
        } catch (IllegalArgumentException e) {
            log.error("{}", e.getMessage());
            return 1;
        }
        String sn = DefaultContext.first(env, Env.SERVICE_NAME, Env.OE_SERVICE_NAME);
        String in = DefaultContext.first(env, Env.SERVICE_INSTANCE_NAME, Env.OE_SERVICE_INSTANCE_NAME);
        try {
            LoggerConfig logger = Files.exists(configFile)
                    ? ServiceConfigLoader.load(configFile, LoggerOnly.class).logger
                    : new LoggerConfig(); // Go ignored a missing file too: a module may need no config at all
            Logging.setup(logger, null);
        } catch (ConfigException e) {
            log.error("failed to load config: {}", e.getMessage());
            return 1;
        }

        // Made on first use: HttpMasterClient is not even loaded by a module that never calls the master (nor by
        // HttpMasterClient.configured, which would load it: the address is read here).
        Supplier<MasterClient> master = null;
        if (DefaultContext.first(env, Env.MASTER_API_ADDRESS, Env.OE_MASTER_API) != null) {
            master = () -> {
                try {
                    return HttpMasterClient.fromEnv(env);
                } catch (RuntimeException e) {
                    // Same as Go: the module still runs, only the master calls are unavailable.
                    log.error("failed to create master client: service={}, instance={}, error={}", sn, in, e.getMessage());
                    return null;
                }
            };
        }
        DefaultContext ctx = new DefaultContext(configFile, env, log, master);
        CountDownLatch finished = new CountDownLatch(1);
        SignalHandling signals = handleSignals ? SignalHandling.install(ctx, finished, log) : null;

        log.info("service starting: service={}, instance={}, mode={}, args={}", sn, in, ctx.mode(),
                Arrays.toString(args));
        int status;
        try {
            handler.run(ctx);
            log.info("service stopped: service={}, instance={}", sn, in);
            status = 0;
        } catch (ConfigException e) {
            if (!(e instanceof DefaultContext.ReportedConfigException)) {
                log.error("failed to load config: {}", e.getMessage());
            }
            log.error("service stopped with error: service={}, instance={}", sn, in);
            status = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.info("service stopped (interrupted): service={}, instance={}", sn, in);
            status = 0;
        } catch (Throwable e) {
            log.error("service stopped with error: service={}, instance={}, error={}", sn, in, e.toString(), e);
            status = 1;
        } finally {
            ctx.closeMaster();
            finished.countDown();
            if (signals != null) {
                signals.uninstall();
            }
        }
        return status;
    }

    static Path configFile(String[] args) {
        String file = DEFAULT_CONFIG_FILE;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-c") || a.equals("--config")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("flag needs an argument: " + a);
                }
                file = args[++i];
            } else if (a.startsWith("-c=")) {
                file = a.substring(3);
            } else if (a.startsWith("--config=")) {
                file = a.substring("--config=".length());
            }
        }
        return Path.of(file);
    }

    /**
     * SIGTERM/SIGINT release the context's latch. With {@code sun.misc.Signal} (present in every JDK we run on) the
     * JVM does not start exiting by itself, so the handler closes its resources and the module exits 0 like a Go
     * module does; a second signal exits at once. Where the signal cannot be caught, a shutdown hook releases the
     * latch and waits, bounded, for the handler to finish (the JVM then exits with 128+signal).
     */
    private static final class SignalHandling {
        private final Thread hook;

        private SignalHandling(Thread hook) {
            this.hook = hook;
        }

        static SignalHandling install(DefaultContext ctx, CountDownLatch finished, Logger log) {
            Thread hook = new Thread(() -> {
                ctx.requestShutdown();
                try {
                    if (!finished.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                        log.warn("service did not stop within {}s, exiting anyway", SHUTDOWN_GRACE.toSeconds());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "baetyl-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            SignalHandling h = new SignalHandling(hook);
            h.catchSignals(ctx, log);
            return h;
        }

        private void catchSignals(DefaultContext ctx, Logger log) {
            try {
                for (String name : new String[] {"TERM", "INT"}) {
                    sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                        if (ctx.shutdownRequested()) {
                            // The user insists (Ctrl-C twice): halt skips the shutdown hook, which would wait
                            // for the stuck handler again.
                            log.warn("second signal, exiting now: signal=SIG{}", s.getName());
                            Runtime.getRuntime().halt(128 + s.getNumber());
                            return;
                        }
                        log.info("signal received, stopping: signal=SIG{}", s.getName());
                        ctx.requestShutdown();
                    });
                }
            } catch (IllegalArgumentException | LinkageError e) {
                // -Xrs or a JVM without sun.misc.Signal: the shutdown hook still gives a bounded, clean stop.
                log.debug("cannot catch signals, relying on the shutdown hook: error={}", e.toString());
            }
        }

        void uninstall() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is running and sees the handler finished.
            }
        }
    }
}
