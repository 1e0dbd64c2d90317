package io.baetyl.hub.exhook;

import io.emqx.exhook.BrokerInfo;
import io.emqx.exhook.HookProviderGrpc;
import io.emqx.exhook.HookSpec;
import io.emqx.exhook.LoadedResponse;
import io.emqx.exhook.ProviderLoadedRequest;
import io.emqx.exhook.ProviderUnloadedRequest;
import io.emqx.exhook.RequestMeta;
import io.baetyl.hub.topic.Topics;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.baetyl.hub.server.Transport;
import io.baetyl.sdk.tls.TlsFiles;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code exhook.servers[]} entry: {@code pool_size} gRPC channels (HTTP/2 connections) to the hook provider, the
 * hooks it registered in its {@code OnProviderLoaded} answer, and whether it is up. A server that cannot be loaded,
 * or whose connection fails mid-stream, is down: calls to it take {@code failed_action} at once (no waiting for
 * timeouts), and it is loaded again after {@code auto_reconnect}, as EMQX does.
 */
final class HookServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HookServer.class);
    private final io.baetyl.hub.broker.RateLimitedLog callFailed = new io.baetyl.hub.broker.RateLimitedLog(log, 10_000);

    final ExHookConfig.Server config;
    final String name;
    final long timeoutMillis;
    final boolean deny;
    private final ManagedChannel[] pool;
    private final HookProviderGrpc.HookProviderStub[] stubs;
    private final ScheduledExecutorService scheduler;
    private final BrokerInfo broker;
    private final RequestMeta meta;
    /** Hook name -> topic filters (empty: every topic); replaced whole on each load. */
    private volatile Map<String, List<String>> hooks = Map.of();
    private volatile boolean up;
    private volatile boolean closed;
    private ScheduledFuture<?> reconnect;
    private final Runnable onChange;

    HookServer(ExHookConfig.Server config, ScheduledExecutorService scheduler, BrokerInfo broker, RequestMeta meta,
               Runnable onChange, EventLoopGroup eventLoops) {
        this.config = config;
        this.name = config.name;
        this.timeoutMillis = config.timeout().toMillis();
        this.deny = config.deny();
        this.scheduler = scheduler;
        this.broker = broker;
        this.meta = meta;
        this.onChange = onChange;
        URI u = config.uri();
        pool = new ManagedChannel[config.poolSize];
        stubs = new HookProviderGrpc.HookProviderStub[config.poolSize];
        for (int i = 0; i < pool.length; i++) {
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(u.getHost(), u.getPort())
                    .maxInboundMessageSize(64 * 1024 * 1024)
                    // the hub's own I/O loops: gRPC would otherwise start its own (up to two per core)
                    .eventLoopGroup(eventLoops)
                    .channelType(Transport.socketChannel()) // the socket type of the loops' transport
                    .directExecutor(); // callbacks only hand results to the client's event loop
            if (config.tls()) {
                b.sslContext(sslContext(config.ssl));
                if (config.ssl.serverNameIndication != null) {
                    b.overrideAuthority(config.ssl.serverNameIndication);
                }
            } else {
                b.usePlaintext();
            }
            pool[i] = b.build();
            stubs[i] = HookProviderGrpc.newStub(pool[i]);
        }
    }

    private static SslContext sslContext(ExHookConfig.Ssl ssl) {
        TlsFiles files = new TlsFiles("exhook.servers[].ssl", ssl.cacertfile, ssl.certfile, ssl.keyfile, ssl.passphrase);
        try {
            SslContextBuilder b = GrpcSslContexts.forClient();
            if (files.hasCa()) {
                b.trustManager(files.trustedCas());
            }
            if (files.hasKeyPair()) {
                TlsFiles.KeyPair kp = files.keyPair();
                b.keyManager(kp.key(), kp.chain());
            }
            return b.build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalArgumentException("exhook: cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** The stub of the channel this client is pinned to, so its calls keep their order on one connection. */
    HookProviderGrpc.HookProviderStub stub(int clientHash) {
        return stubs[Math.floorMod(clientHash, stubs.length)].withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    boolean up() {
        return up;
    }

    /** Topic filters of {@code hook}, or null if this server did not register it. */
    List<String> filters(String hook) {
        return hooks.get(hook);
    }

    boolean hooks(String hook) {
        return hooks.containsKey(hook);
    }

    /** Registered for a message hook on this topic: no filters means every topic. */
    boolean hooks(String hook, String topic) {
        List<String> f = hooks.get(hook);
        if (f == null) {
            return false;
        }
        if (f.isEmpty()) {
            return true;
        }
        for (String filter : f) {
            if (Topics.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    /** Sends OnProviderLoaded; on success the server is up with the hooks it returned. Never throws. */
    void load() {
        if (closed) {
            return;
        }
        for (ManagedChannel c : pool) {
            c.resetConnectBackoff(); // reconnect now, not when gRPC's own backoff (up to 2 min) would
        }
        try {
            LoadedResponse r = HookProviderGrpc.newBlockingStub(pool[0]).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                    .onProviderLoaded(ProviderLoadedRequest.newBuilder().setBroker(broker).setMeta(meta).build());
            Map<String, List<String>> h = new HashMap<>();
            for (HookSpec s : r.getHooksList()) {
                if (!ExHook.KNOWN_HOOKS.contains(s.getName())) {
                    log.warn("exhook server registered an unknown hook, ignored: name={}, hook={}", name, s.getName());
                    continue;
                }
                h.put(s.getName(), List.copyOf(s.getTopicsList()));
            }
            connectPool();
            hooks = Map.copyOf(h);
            up = true;
            log.info("exhook server loaded: name={}, url={}, hooks={}", name, config.url, hooks);
            onChange.run();
        } catch (RuntimeException e) {
            failed("OnProviderLoaded", e);
        }
    }

    /**
     * Waits (within {@code request_timeout}) until every pool connection is up: a client pinned to a connection that
     * is still in gRPC's failure state would otherwise fail at once and take the server down again.
     */
    private void connectPool() {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (ManagedChannel c : pool) {
            while (c.getState(true) != ConnectivityState.READY && System.nanoTime() < until) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * A call failed. Unavailable (connection refused or lost) takes the server down until it is loaded again;
     * a timeout or a bad answer only fails that call.
     */
    void failed(String call, Throwable e) {
        Status s = Status.fromThrowable(e);
        boolean gone = s.getCode() == Status.Code.UNAVAILABLE || call.equals("OnProviderLoaded");
        if (!gone) {
            callFailed.warn("exhook call failed: name={}, call={}, failed_action={}, error={}", name, call,
                    config.failedAction, describe(e));
            return;
        }
        synchronized (this) {
            boolean wasUp = up;
            up = false;
            if (closed || reconnect != null) {
                return;
            }
            Duration again = config.reconnect();
            if (again == null) {
                log.warn("exhook server down, not reconnecting (auto_reconnect: false): name={}, url={}, call={}, "
                        + "failed_action={}, error={}", name, config.url, call, config.failedAction, describe(e));
            } else {
                log.warn("exhook server down: name={}, url={}, call={}, failed_action={}, reconnect in {} ms, error={}",
                        name, config.url, call, config.failedAction, again.toMillis(), describe(e));
                reconnect = scheduler.schedule(() -> {
                    synchronized (this) {
                        reconnect = null;
                    }
                    load();
                }, again.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (wasUp) {
                onChange.run();
            }
        }
    }

    static String describe(Throwable e) {
        if (e instanceof StatusRuntimeException sre) {
            Status s = sre.getStatus();
            return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
        }
        Status s = Status.fromThrowable(e);
        return s.getCode() == Status.Code.UNKNOWN ? e.toString() : s.getCode() + ": " + s.getDescription();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (reconnect != null) {
                reconnect.cancel(false);
            }
        }
        if (up) {
            try {
                HookProviderGrpc.newBlockingStub(pool[0]).withDeadlineAfter(Math.min(timeoutMillis, 2000), TimeUnit.MILLISECONDS)
                        .onProviderUnloaded(ProviderUnloadedRequest.newBuilder().setMeta(meta).build());
            } catch (RuntimeException e) {
                log.debug("OnProviderUnloaded failed: name={}: {}", name, e.toString());
            }
        }
        up = false;
        for (ManagedChannel c : pool) {
            c.shutdownNow();
        }
    }
}
