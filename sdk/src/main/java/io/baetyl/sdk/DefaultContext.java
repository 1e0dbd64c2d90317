package io.baetyl.sdk;

import io.baetyl.sdk.api.MasterClient;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The {@link Context} {@link Baetyl#run} hands to a module: names and mode from the environment the master sets,
 * the master client (null when standalone), and a latch released on SIGTERM/SIGINT.
 * <p>The master client is made on the first call of {@link #master()}: most modules (the hub, the timer) never call
 * the master, and loading the HTTP client's classes (Netty's HTTP codec) cost each of them memory for nothing.
 */
public final class DefaultContext implements Context {
    private final Path configFile;
    private final String serviceName;
    private final String instanceName;
    private final String mode;
    private final Logger log;
    private final Supplier<MasterClient> masterFactory;
    private MasterClient master;
    private boolean masterMade;
    private final CountDownLatch shutdown = new CountDownLatch(1);

    /**
     * @param env    the process environment (injected so tests need not set real variables)
     * @param masterFactory makes the master client on first use (it may return null: no client), or null when no
     *                      master address is set
     */
    public DefaultContext(Path configFile, Map<String, String> env, Logger log, Supplier<MasterClient> masterFactory) {
        this.configFile = configFile;
        this.serviceName = first(env, Env.SERVICE_NAME, Env.OE_SERVICE_NAME);
        String instance = first(env, Env.SERVICE_INSTANCE_NAME, Env.OE_SERVICE_INSTANCE_NAME);
        this.instanceName = instance != null ? instance : serviceName;
        String md = first(env, Env.SERVICE_MODE, Env.OE_RUNNING_MODE);
        this.mode = md != null ? md : "native";
        this.log = log;
        this.masterFactory = masterFactory;
    }

    static String first(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    @Override
    public Path configFile() {
        return configFile;
    }

    /**
     * Loads the service config. On a bad file the one line naming the file and key is logged and the
     * {@link ConfigException} propagates; {@link Baetyl#run} then exits with status 1 without a stack trace.
     */
    @Override
    public <T> T loadConfig(Class<T> type) {
        try {
            return ServiceConfigLoader.load(configFile, type);
        } catch (ConfigException e) {
            log.error("failed to load config: {}", e.getMessage());
            throw new ReportedConfigException(e);
        }
    }

    @Override
    public String serviceName() {
        return serviceName;
    }

    @Override
    public String instanceName() {
        return instanceName;
    }

    @Override
    public String mode() {
        return mode;
    }

    @Override
    public Logger log() {
        return log;
    }

    @Override
    public synchronized MasterClient master() {
        if (!masterMade) {
            masterMade = true;
            master = masterFactory == null ? null : masterFactory.get();
        }
        return master;
    }

    /** Closes the master client if one was made. */
    synchronized void closeMaster() {
        if (master != null) {
            master.close();
        }
    }

    @Override
    public void reportInstance(Map<String, Object> stats) {
        MasterClient master = master();
        if (master == null) {
            log.debug("no master to report to, stats dropped: keys={}", stats.keySet());
            return;
        }
        master.reportInstance(serviceName, instanceName, stats);
    }

    @Override
    public void awaitShutdown() throws InterruptedException {
        shutdown.await();
    }

    /** Releases {@link #awaitShutdown()}, as SIGTERM does; for tests and for modules that stop on their own. */
    public void requestShutdown() {
        shutdown.countDown();
    }

    public boolean shutdownRequested() {
        return shutdown.getCount() == 0;
    }

    /** A config error that has already been logged in its one-line form. */
    static final class ReportedConfigException extends ConfigException {
        ReportedConfigException(ConfigException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
