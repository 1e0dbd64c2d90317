package io.baetyl.hub;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ConfigLoader;
import io.baetyl.sdk.log.Logging;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** {@code java -jar hub.jar [-c etc/baetyl/service.yml]}; exits 0 after a graceful shutdown on SIGTERM or SIGINT. */
public final class HubMain {
    private static final Logger log = LoggerFactory.getLogger(HubMain.class);

    private HubMain() {
    }

    public static void main(String[] args) {
        Path configFile = Path.of("etc/baetyl/service.yml");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-c", "--config" -> {
                    if (i + 1 >= args.length) {
                        usage();
                    }
                    configFile = Path.of(args[++i]);
                }
                case "-h", "--help" -> {
                    System.out.println("usage: baetyl-hub [-c etc/baetyl/service.yml]");
                    System.exit(0);
                }
                default -> usage();
            }
        }
        Logging.setupConsole();
        HubConfig config;
        try {
            config = ConfigLoader.load(configFile, HubConfig.class);
        } catch (ConfigException e) {
            log.error("failed to load config: {}", e.getMessage());
            System.exit(1);
            return;
        }
        Path cwd = Path.of("").toAbsolutePath();
        Logging.setup(config.logger, cwd);
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Hub hub;
        try {
            hub = new Hub(config, cwd, reporter()).start();
        } catch (RuntimeException e) {
            log.error("failed to start hub: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        hub.close();
        System.exit(0);
    }

    private static Consumer<Map<String, Object>> reporter() {
        return stats -> log.debug("metrics: {}", stats);
    }

    private static void usage() {
        System.err.println("usage: baetyl-hub [-c etc/baetyl/service.yml]");
        System.exit(2);
    }
}
