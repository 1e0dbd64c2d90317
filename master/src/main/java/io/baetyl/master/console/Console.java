package io.baetyl.master.console;

import io.baetyl.master.config.ConsoleConfig;
import io.baetyl.master.config.WebAddress;
import io.baetyl.master.runtime.Operations;
import io.baetyl.master.web.WebServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The web console: its HTTP server on conf.yml's {@code console.address} and the sampling of the hub's rates. */
public final class Console implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Console.class);
    /** The largest request: an application.yml of up to 1 MB, plus room for JSON around it. */
    static final int MAX_BODY_BYTES = 1024 * 1024 + 4096;
    static final long SAMPLE_MILLIS = 1000;

    private final WebServer server;
    private final ScheduledFuture<?> sampling;

    private Console(WebServer server, ScheduledFuture<?> sampling) {
        this.server = server;
        this.sampling = sampling;
    }

    /** Starts serving; the returned handle stops it. */
    public static AutoCloseable start(Operations ops, WebServer.Shared shared) throws IOException {
        ConsoleConfig cfg = ops.config().console;
        HubRates rates = new HubRates(ops);
        ConsoleApi api = new ConsoleApi(ops, cfg, Clock.systemUTC(), rates);
        Path cert = cfg.cert.isBlank() ? null : ops.workDir().resolve(cfg.cert);
        Path key = cfg.key.isBlank() ? null : ops.workDir().resolve(cfg.key);
        WebServer server = new WebServer("console", "console.address",
                WebAddress.parse("console.address", cfg.address), MAX_BODY_BYTES, api, shared).start(cert, key);
        if (cfg.users.isEmpty()) {
            log.info("console: no users in conf.yml console.users; services can log in with their API token");
        }
        // Reading the reports is quick (no I/O): it runs on the web event loop rather than on a thread of its own.
        ScheduledFuture<?> sampling = shared.scheduler().scheduleWithFixedDelay(() -> {
            try {
                rates.sample();
            } catch (RuntimeException e) {
                log.warn("console: sampling the hub's rates failed: {}", e.toString());
            }
        }, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        return new Console(server, sampling);
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() {
        sampling.cancel(false);
        server.close();
    }
}
