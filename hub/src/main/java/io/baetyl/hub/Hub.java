package io.baetyl.hub;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.config.Limits;
import io.baetyl.hub.exhook.ExHook;
import io.baetyl.hub.persist.FileMessageLog;
import io.baetyl.hub.persist.MapDbStore;
import io.baetyl.hub.persist.MemoryStore;
import io.baetyl.hub.persist.Store;
import io.baetyl.hub.server.ClientListing;
import io.baetyl.hub.server.LoopPlacement;
import io.baetyl.hub.server.MqttConnection;
import io.baetyl.hub.server.MqttServer;
import io.baetyl.hub.server.PipelineNames;
import io.baetyl.hub.server.Transport;
import io.baetyl.hub.sys.SysTopics;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub: store, broker, listeners and the metrics reporter, started in that order and closed in reverse
 * (stop accepting → close sessions, sending wills → flush the store → release threads).
 */
public final class Hub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);

    private final HubConfig config;
    private final Store store;
    private final Broker broker;
    private final MqttServer server;
    private final EventLoopGroup workers;
    private final ScheduledExecutorService scheduler;
    private final Consumer<Map<String, Object>> reporter;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ExHook exhook;

    /**
     * @param baseDir  the working directory a relative {@code storage.dir} is resolved against; null keeps the store in memory
     * @param reporter receives the report every {@code metrics.report.interval}: {@code broker_stats} (counters) and
     *                 {@code broker_clients} (clients and their subscriptions)
     */
    public Hub(HubConfig config, Path baseDir, Consumer<Map<String, Object>> reporter) {
        this.config = config;
        this.reporter = reporter;
        Path dir = baseDir == null ? null : baseDir.resolve(config.storage.dir);
        Limits limits = Limits.of(config, Runtime.getRuntime().maxMemory(), dir == null ? -1 : spaceForLog(dir));
        this.store = dir == null ? new MemoryStore(limits.logSizeMax(), limits.logCountMax())
                : new MapDbStore(dir, config.storage.fsync, config.message.ingress.qos1.cleanup.retention.toMillis() / 4,
                        limits.logSizeMax(), limits.logCountMax());
        this.broker = new Broker(config, limits, store);
        LoopPlacement placement = LoopPlacement.configured();
        this.workers = Transport.group(Transport.defaultEventLoops(), new DefaultThreadFactory("hub-io", true), placement);
        this.exhook = ExHook.start(config.exhook, HubMain.version(), workers);
        this.server = new MqttServer(config, broker, new Authenticator(config.principals), workers, exhook, placement);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hub-metrics");
            t.setDaemon(true);
            return t;
        });
    }

    /** Free space on the storage dir's file system plus what the QoS 1 log there holds already. */
    private static long spaceForLog(Path dir) {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return (p == null ? 0 : Files.getFileStore(p).getUsableSpace()) + FileMessageLog.bytesIn(dir);
        } catch (IOException e) {
            log.warn("cannot tell the free space of {}: {}", dir, e.toString());
            return Limits.MIN_LOG_SIZE * 16;
        }
    }

    public Hub start() {
        broker.start();
        try {
            server.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        long every = config.metrics.report.interval.toMillis();
        scheduler.scheduleAtFixedRate(this::report, every, every, TimeUnit.MILLISECONDS);
        long sysEvery = config.sys.interval.toMillis();
        if (sysEvery > 0) {
            SysTopics sys = new SysTopics(broker, "baetyl-hub " + HubMain.version());
            scheduler.scheduleAtFixedRate(() -> {
                try {
                    sys.publish();
                } catch (RuntimeException e) {
                    log.warn("$SYS publish failed: {}", e.toString());
                }
            }, 0, sysEvery, TimeUnit.MILLISECONDS);
        }
        log.info("hub started: listeners={}, principals={}, subscriptions={}", config.listen.size(), config.principals.size(),
                config.subscriptions.size());
        return this;
    }

    /** {@code {broker_stats: {...}, broker_clients: {...}}}: the counters, and who is connected with what. */
    private void report() {
        try {
            Map<String, Object> stats = new java.util.LinkedHashMap<>(broker.metricsSnapshot());
            stats.put("subscriptions", ClientListing.subscriptionCount(broker));
            reporter.accept(Map.of("broker_stats", stats, "broker_clients", ClientListing.list(broker)));
        } catch (RuntimeException e) {
            log.warn("metrics report failed: {}", e.toString());
        }
    }

    /** The ExHook client ({@link ExHook#NONE} without servers). */
    public ExHook exhook() {
        return exhook;
    }

    public Broker broker() {
        return broker;
    }

    public List<InetSocketAddress> addresses() {
        return server.boundAddresses();
    }

    public int port(int listenerIndex) {
        return server.boundAddresses().get(listenerIndex).getPort();
    }

    /** Graceful shutdown within {@code shutdown.timeout}; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + config.shutdown.timeout.toNanos();
        log.info("hub stopping");
        scheduler.shutdownNow();
        server.stopAccepting();
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Channel c : server.connections()) {
            Object h = c.pipeline().get(PipelineNames.CONNECTION);
            if (h instanceof MqttConnection mc) {
                closing.add(mc.shutdown());
            }
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                    .get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            log.warn("not every session closed in time: sessions={}", broker.sessions().count());
        }
        server.closeAll();
        exhook.close();
        broker.close(TimeUnit.NANOSECONDS.toMillis(remaining(deadline)));
        store.close();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        log.info("hub stopped");
    }

    private static long remaining(long deadline) {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime());
    }
}
