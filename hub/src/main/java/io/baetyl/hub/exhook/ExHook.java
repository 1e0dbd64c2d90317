package io.baetyl.hub.exhook;

import io.baetyl.hub.topic.Topics;
import io.emqx.exhook.BrokerInfo;
import io.emqx.exhook.HookProviderGrpc;
import io.emqx.exhook.RequestMeta;
import io.emqx.exhook.ValuedResponse;
import io.baetyl.hub.server.Transport;
import io.grpc.stub.StreamObserver;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's EMQX-compatible ExHook client ({@code emqx.exhook.v2.HookProvider}), the one entry point the connection
 * code uses: {@link #client(Channel)} gives each connection its {@link ClientHooks}. With no enabled server this is
 * {@link #NONE}, whose client hooks do nothing and cost one field read per event.
 *
 * <p>Servers are called in configured order for the valued hooks ({@code client.authenticate},
 * {@code client.authorize}, {@code message.publish}): IGNORE keeps the value and moves on, CONTINUE replaces it and
 * moves on, STOP_AND_RETURN replaces it and stops. A server that is down, times out or answers something unusable
 * takes its {@code failed_action}: {@code deny} ends the chain with a denial (authentication or authorization refused,
 * the message dropped), {@code ignore} skips the server. All calls are asynchronous gRPC; results come back on the
 * client's event loop.
 */
public final class ExHook implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExHook.class);

    static final Set<String> KNOWN_HOOKS = Set.of(
            "client.connect", "client.connack", "client.connected", "client.disconnected",
            "client.authenticate", "client.authorize", "client.subscribe", "client.unsubscribe",
            "session.created", "session.subscribed", "session.unsubscribed", "session.resumed",
            "session.discarded", "session.takenover", "session.terminated",
            "message.publish", "message.delivered", "message.acked", "message.dropped");

    /** No server: every hook is a no-op. */
    public static final ExHook NONE = new ExHook();

    private final List<HookServer> servers;
    private final ScheduledExecutorService scheduler;
    final RequestMeta meta;
    final String node;
    /** {@code exhook.pipeline}: valued calls of one client under way at once. */
    final int pipeline;
    /** Hooks some loaded server registered: what the connection code has to call at all. */
    private volatile Set<String> hooked = Set.of();

    private ExHook() {
        servers = List.of();
        scheduler = null;
        meta = null; // NONE never calls a hook; building a RequestMeta here loaded protobuf into every hub without ExHook
        node = "";
        pipeline = 1;
    }

    private ExHook(List<ExHookConfig.Server> configs, int pipeline, String version, EventLoopGroup eventLoops) {
        this.node = "baetyl-hub@127.0.0.1";
        this.pipeline = pipeline;
        this.meta = RequestMeta.newBuilder().setNode(node).setVersion(version).setSysdescr("Baetyl hub")
                .setClusterName("baetyl").build();
        BrokerInfo broker = BrokerInfo.newBuilder().setVersion(version).setSysdescr("Baetyl hub")
                .setUptime(0).setDatetime(Instant.now().toString()).build();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hub-exhook");
            t.setDaemon(true);
            return t;
        });
        List<HookServer> list = new ArrayList<>();
        for (ExHookConfig.Server c : configs) {
            list.add(new HookServer(c, scheduler, broker, meta, this::refresh, eventLoops));
        }
        this.servers = List.copyOf(list);
    }

    /**
     * Connects to the enabled servers and loads them (OnProviderLoaded), each within its {@code request_timeout}. A
     * server that does not answer is retried per {@code auto_reconnect}; the hub starts anyway. The gRPC connections
     * run on {@code eventLoops}, the hub's own I/O loops (made by {@link Transport#group}), not on threads of their
     * own; the caller shuts them down after {@link #close}.
     */
    public static ExHook start(ExHookConfig config, String version, EventLoopGroup eventLoops) {
        List<ExHookConfig.Server> enabled = config == null ? List.of() : config.enabled();
        if (enabled.isEmpty()) {
            return NONE;
        }
        ExHook ex = new ExHook(enabled, config.pipeline, version, eventLoops);
        for (HookServer s : ex.servers) {
            s.load();
        }
        return ex;
    }

    /** The hooks of one connection. */
    public ClientHooks client(Channel ch) {
        return servers.isEmpty() ? ClientHooks.NONE : new ClientHooks(this, ch);
    }

    private void refresh() {
        Set<String> h = new HashSet<>();
        for (HookServer s : servers) {
            for (String k : KNOWN_HOOKS) {
                if (s.hooks(k)) {
                    h.add(k);
                }
            }
        }
        hooked = Set.copyOf(h);
    }

    /** The server is loaded and its connections are up (false for unknown names). */
    public boolean up(String serverName) {
        return servers.stream().anyMatch(s -> s.name.equals(serverName) && s.up());
    }

    boolean hooked(String hook) {
        return hooked.contains(hook);
    }

    /** Some server registered {@code hook} (a message hook) for this topic. */
    boolean hooked(String hook, String topic) {
        if (!hooked.contains(hook)) {
            return false;
        }
        for (HookServer s : servers) {
            if (s.hooks(hook, topic)) {
                return true;
            }
        }
        return false;
    }

    /** A notification to every server that registered it (and is up); answers and failures are only logged. */
    <R> void notify(String hook, String topic, int clientHash, R request,
                    TriCall<R, io.emqx.exhook.EmptySuccess> call) {
        for (HookServer s : servers) {
            if (!s.up() || !(topic == null ? s.hooks(hook) : s.hooks(hook, topic))) {
                continue;
            }
            call.call(s.stub(clientHash), request, HookAnswers.notification(s, hook));
        }
    }

    @FunctionalInterface
    interface TriCall<R, A> {
        void call(HookProviderGrpc.HookProviderStub stub, R request, StreamObserver<A> answer);
    }

    /** How one valued hook talks to a server and reads its answer. */
    interface Valued<V> {
        /** The topic the message hooks' filters apply to, or null for client hooks. */
        String topic(V value);

        void call(HookProviderGrpc.HookProviderStub stub, V value, StreamObserver<ValuedResponse> answer);

        /** The value a CONTINUE or STOP_AND_RETURN answer carries; throws IllegalArgumentException if unusable. */
        V replace(V value, ValuedResponse answer);

        /** The value when a server's failed_action is deny. */
        V denied(V value);
    }

    /**
     * Runs a valued hook through the servers in configured order, asynchronously; {@code done} gets the final
     * value on a gRPC or the caller's thread (the caller hops to its event loop).
     */
    <V> void chain(String hook, int clientHash, V initial, Valued<V> how, Consumer<V> done) {
        step(hook, clientHash, 0, initial, how, done);
    }

    private <V> void step(String hook, int clientHash, int from, V value, Valued<V> how, Consumer<V> done) {
        for (int i = from; i < servers.size(); i++) {
            HookServer s = servers.get(i);
            String topic = how.topic(value);
            if (!(topic == null ? s.hooks(hook) : s.hooks(hook, topic))) {
                continue;
            }
            if (!s.up()) {
                if (s.deny) {
                    done.accept(how.denied(value));
                    return;
                }
                continue;
            }
            int next = i + 1;
            BiConsumer<V, Boolean> andThen = (v, stop) -> {
                if (stop) {
                    done.accept(v);
                } else {
                    step(hook, clientHash, next, v, how, done);
                }
            };
            how.call(s.stub(clientHash), value, HookAnswers.valued(s, hook, value, how, done, andThen));
            return;
        }
        done.accept(value);
    }

    static boolean validTopic(String t) {
        return t != null && !t.isEmpty() && Topics.isValidPublishTopic(t);
    }

    /** Sends OnProviderUnloaded to the servers that are up and closes the channels. Idempotent. */
    @Override
    public void close() {
        if (scheduler == null) {
            return;
        }
        for (HookServer s : servers) {
            s.close();
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.debug("exhook closed");
    }
}
