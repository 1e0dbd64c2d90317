package io.baetyl.hub.exhook;

import com.google.protobuf.ByteString;
import io.emqx.exhook.ClientAuthenticateRequest;
import io.emqx.exhook.ClientAuthorizeRequest;
import io.emqx.exhook.ClientConnackRequest;
import io.emqx.exhook.ClientConnectRequest;
import io.emqx.exhook.ClientConnectedRequest;
import io.emqx.exhook.ClientDisconnectedRequest;
import io.emqx.exhook.ClientInfo;
import io.emqx.exhook.ClientSubscribeRequest;
import io.emqx.exhook.ClientUnsubscribeRequest;
import io.emqx.exhook.ConnInfo;
import io.emqx.exhook.HookProviderGrpc;
import io.emqx.exhook.MessageDeliveredRequest;
import io.emqx.exhook.MessagePublishRequest;
import io.emqx.exhook.SessionDiscardedRequest;
import io.emqx.exhook.SessionTakenoverRequest;
import io.emqx.exhook.SessionCreatedRequest;
import io.emqx.exhook.SessionResumedRequest;
import io.emqx.exhook.SessionSubscribedRequest;
import io.emqx.exhook.SessionTerminatedRequest;
import io.emqx.exhook.SessionUnsubscribedRequest;
import io.emqx.exhook.SubOpts;
import io.emqx.exhook.TopicFilter;
import io.emqx.exhook.ValuedResponse;
import io.grpc.stub.StreamObserver;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ExHook side of one connection. Every method is called on the connection's event loop and returns at once;
 * valued hooks answer through a callback on that same loop. They run one at a time per client, in the order the
 * client's packets came (EMQX's per-client ordering), on the pool channel the client id hashes to. While more than
 * {@link #MAX_PENDING} of this client's hook calls wait, its socket is not read.
 */
public final class ClientHooks {
    private static final Logger log = LoggerFactory.getLogger(ClientHooks.class);
    /** Hook calls one client may have waiting before its socket stops being read. */
    static final int MAX_PENDING = 256;
    private static final AtomicLong IDS = new AtomicLong(ThreadLocalRandom.current().nextLong());

    /** No ExHook server: everything is a no-op. */
    public static final ClientHooks NONE = new ClientHooks(null, null);

    private final ExHook ex;
    private final Channel ch;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;
    private boolean paused;
    private int hash;
    private String clientId = "";
    private String username = "";
    private String password = "";
    private String protoVer = "4";
    private int keepAlive;

    ClientHooks(ExHook ex, Channel ch) {
        this.ex = ex;
        this.ch = ch;
    }

    private boolean off() {
        return ex == null;
    }

    // ---- who -------------------------------------------------------------------------------------------------------

    private InetSocketAddress peer() {
        SocketAddress a = io.baetyl.hub.server.ClientAddress.of(ch);
        return a instanceof InetSocketAddress i ? i : null;
    }

    private String peerHost() {
        InetSocketAddress p = peer();
        return p == null ? "" : p.getAddress() == null ? p.getHostString() : p.getAddress().getHostAddress();
    }

    private int sockPort() {
        return ch.localAddress() instanceof InetSocketAddress l ? l.getPort() : 0;
    }

    private ConnInfo connInfo() {
        return ConnInfo.newBuilder().setNode(ex.node).setClientid(clientId).setUsername(username)
                .setPeerhost(peerHost()).setSockport(sockPort()).setProtoName("MQTT")
                .setProtoVer(protoVer).setKeepalive(keepAlive).build();
    }

    private ClientInfo clientInfo() {
        return ClientInfo.newBuilder().setNode(ex.node).setClientid(clientId).setUsername(username)
                .setPassword(password).setPeerhost(peerHost()).setSockport(sockPort())
                .setProtocol("mqtt").setMountpoint("").setIsSuperuser(false).setAnonymous(false).build();
    }

    // ---- CONNECT ---------------------------------------------------------------------------------------------------

    /**
     * CONNECT arrived: {@code client.connect}, then {@code client.authenticate} with the hub's own verdict. Returns
     * false when no server hooks authentication (the hub's verdict stands, nothing waits); otherwise {@code then}
     * gets the final verdict on the event loop.
     */
    public boolean authenticate(MqttConnectMessage msg, boolean hubAccepted, Consumer<Boolean> then) {
        if (off()) {
            return false;
        }
        var vh = msg.variableHeader();
        var pl = msg.payload();
        clientId = pl.clientIdentifier() == null ? "" : pl.clientIdentifier();
        hash = clientId.hashCode();
        username = vh.hasUserName() && pl.userName() != null ? pl.userName() : "";
        password = vh.hasPassword() && pl.passwordInBytes() != null
                ? new String(pl.passwordInBytes(), java.nio.charset.StandardCharsets.UTF_8) : "";
        protoVer = Integer.toString(vh.version());
        keepAlive = vh.keepAliveTimeSeconds();
        if (ex.hooked("client.connect")) {
            ex.notify("client.connect", null, hash, ClientConnectRequest.newBuilder().setConninfo(connInfo())
                    .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onClientConnect);
        }
        if (!ex.hooked("client.authenticate")) {
            return false;
        }
        ClientAuthenticateRequest base = ClientAuthenticateRequest.newBuilder().setClientinfo(clientInfo())
                .setMeta(ex.meta).build();
        enqueue(() -> ex.chain("client.authenticate", hash, hubAccepted, new BoolHook() {
            @Override
            public void call(HookProviderGrpc.HookProviderStub stub, Boolean value, StreamObserver<ValuedResponse> a) {
                stub.onClientAuthenticate(base.toBuilder().setResult(value).build(), a);
            }
        }, v -> done(() -> then.accept(v))));
        return true;
    }

    /** The CONNACK went out (or the refusal): {@code client.connack}, and for an accepted client the session hooks. */
    public void connack(String resultCode, boolean accepted, boolean sessionPresent, String finalClientId) {
        if (off()) {
            return;
        }
        clientId = finalClientId == null ? clientId : finalClientId;
        hash = clientId.hashCode();
        if (ex.hooked("client.connack")) {
            ex.notify("client.connack", null, hash, ClientConnackRequest.newBuilder().setConninfo(connInfo())
                    .setResultCode(resultCode).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onClientConnack);
        }
        if (!accepted) {
            return;
        }
        if (sessionPresent && ex.hooked("session.resumed")) {
            ex.notify("session.resumed", null, hash, SessionResumedRequest.newBuilder().setClientinfo(clientInfo())
                    .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionResumed);
        } else if (!sessionPresent && ex.hooked("session.created")) {
            ex.notify("session.created", null, hash, SessionCreatedRequest.newBuilder().setClientinfo(clientInfo())
                    .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionCreated);
        }
        if (ex.hooked("client.connected")) {
            ex.notify("client.connected", null, hash, ClientConnectedRequest.newBuilder().setClientinfo(clientInfo())
                    .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onClientConnected);
        }
    }

    /** The connection of a connected client closed: {@code client.disconnected}, and for a clean session {@code session.terminated}. */
    public void disconnected(String reason, boolean sessionEnds) {
        if (off()) {
            return;
        }
        if (ex.hooked("client.disconnected")) {
            ex.notify("client.disconnected", null, hash, ClientDisconnectedRequest.newBuilder().setClientinfo(clientInfo())
                    .setReason(reason).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onClientDisconnected);
        }
        if (sessionEnds && ex.hooked("session.terminated")) {
            ex.notify("session.terminated", null, hash, SessionTerminatedRequest.newBuilder().setClientinfo(clientInfo())
                    .setReason(reason).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionTerminated);
        }
        synchronized (queue) {
            queue.clear();
        }
    }

    /** A clean session replaced this client's persistent one: {@code session.discarded}. */
    public void sessionDiscarded(String finalClientId) {
        if (off() || !ex.hooked("session.discarded")) {
            return;
        }
        clientId = finalClientId;
        hash = clientId.hashCode();
        ex.notify("session.discarded", null, hash, SessionDiscardedRequest.newBuilder().setClientinfo(clientInfo())
                .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionDiscarded);
    }

    /** Another connection took this client's session over: {@code session.takenover}. Any thread. */
    public void sessionTakenOver() {
        if (off() || !ex.hooked("session.takenover")) {
            return;
        }
        ex.notify("session.takenover", null, hash, SessionTakenoverRequest.newBuilder().setClientinfo(clientInfo())
                .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionTakenover);
    }

    /** A message is sent to this client (not for resends): {@code message.delivered}, per the servers' topic filters. */
    public void delivered(io.baetyl.hub.broker.Message m, int qos) {
        if (off() || !ex.hooked("message.delivered", m.topic)) {
            return;
        }
        io.emqx.exhook.Message pm = io.emqx.exhook.Message.newBuilder().setNode(ex.node)
                .setId(String.format("%032x", IDS.incrementAndGet())).setQos(qos).setFrom(m.clientId).setTopic(m.topic)
                .setPayload(ByteString.copyFrom(m.payload)).setTimestamp(m.timestamp).build();
        ex.notify("message.delivered", m.topic, hash, MessageDeliveredRequest.newBuilder().setClientinfo(clientInfo())
                .setMessage(pm).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onMessageDelivered);
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE -------------------------------------------------------------------------------------

    /** {@code client.subscribe} with every filter asked for, then {@code session.subscribed} per granted filter. */
    public void subscribed(MqttSubscribeMessage asked, Map<String, Integer> granted) {
        if (off()) {
            return;
        }
        if (ex.hooked("client.subscribe")) {
            ClientSubscribeRequest.Builder b = ClientSubscribeRequest.newBuilder().setClientinfo(clientInfo()).setMeta(ex.meta);
            for (MqttTopicSubscription t : asked.payload().topicSubscriptions()) {
                b.addTopicFilters(TopicFilter.newBuilder().setName(t.topicName()).setQos(t.qualityOfService().value()));
            }
            ex.notify("client.subscribe", null, hash, b.build(), HookProviderGrpc.HookProviderStub::onClientSubscribe);
        }
        if (ex.hooked("session.subscribed")) {
            granted.forEach((f, q) -> ex.notify("session.subscribed", null, hash, SessionSubscribedRequest.newBuilder()
                    .setClientinfo(clientInfo()).setTopic(f).setSubopts(SubOpts.newBuilder().setQos(q)).setMeta(ex.meta)
                    .build(), HookProviderGrpc.HookProviderStub::onSessionSubscribed));
        }
    }

    /** {@code client.unsubscribe} with every filter, then {@code session.unsubscribed} per removed one. */
    public void unsubscribed(List<String> asked, List<String> removed) {
        if (off()) {
            return;
        }
        if (ex.hooked("client.unsubscribe")) {
            ClientUnsubscribeRequest.Builder b = ClientUnsubscribeRequest.newBuilder().setClientinfo(clientInfo()).setMeta(ex.meta);
            asked.forEach(f -> b.addTopicFilters(TopicFilter.newBuilder().setName(f)));
            ex.notify("client.unsubscribe", null, hash, b.build(), HookProviderGrpc.HookProviderStub::onClientUnsubscribe);
        }
        if (ex.hooked("session.unsubscribed")) {
            removed.forEach(f -> ex.notify("session.unsubscribed", null, hash, SessionUnsubscribedRequest.newBuilder()
                    .setClientinfo(clientInfo()).setTopic(f).setMeta(ex.meta).build(),
                    HookProviderGrpc.HookProviderStub::onSessionUnsubscribed));
        }
    }

    // ---- PUBLISH -------------------------------------------------------------------------------------------------------

    /**
     * A PUBLISH from this client, with the hub's own authorization verdict. Returns false when nothing has to wait
     * (no server hooks {@code client.authorize} or {@code message.publish} for this topic, and no earlier hook call of
     * this client is pending): the caller carries on as without ExHook. Otherwise {@code then} gets the result on the
     * event loop, in the order the client published.
     */
    public boolean publish(String topic, byte[] payload, int qos, boolean retain, int packetId, boolean hubPermits,
                           Consumer<HookedPublish> then) {
        if (off()) {
            return false;
        }
        boolean authorize = ex.hooked("client.authorize");
        boolean intercept = ex.hooked("message.publish", topic);
        boolean busy;
        synchronized (queue) {
            busy = running;
        }
        if (!authorize && !intercept && !busy) {
            return false;
        }
        HookedPublish start = new HookedPublish(hubPermits ? HookedPublish.Verdict.PUBLISH : HookedPublish.Verdict.NOT_AUTHORIZED,
                topic, payload, qos, retain, packetId, qos);
        enqueue(() -> authorizePublish(start, authorized -> {
            if (authorized.verdict() != HookedPublish.Verdict.PUBLISH || !ex.hooked("message.publish", authorized.topic())) {
                done(() -> then.accept(authorized));
                return;
            }
            ex.chain("message.publish", hash, authorized, new PublishHook(), v -> done(() -> then.accept(v)));
        }));
        return true;
    }

    /**
     * A SUBSCRIBE, when some server hooks {@code client.authorize}: each filter's hub verdict ({@code hubPermits})
     * goes through the chain, one filter after the other; {@code then} gets the filters allowed, on the event loop.
     * Returns false when no server hooks it (the hub's verdicts stand).
     */
    public boolean authorizeSubscribe(MqttSubscribeMessage msg, java.util.function.Predicate<String> hubPermits,
                                      Consumer<java.util.Set<String>> then) {
        if (off() || !ex.hooked("client.authorize")) {
            return false;
        }
        List<String> filters = msg.payload().topicSubscriptions().stream().map(MqttTopicSubscription::topicName).toList();
        java.util.Set<String> allowed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        enqueue(() -> authorizeFilters(filters, 0, hubPermits, allowed, () -> done(() -> then.accept(allowed))));
        return true;
    }

    private void authorizeFilters(List<String> filters, int i, java.util.function.Predicate<String> hubPermits,
                                  java.util.Set<String> allowed, Runnable finished) {
        if (i == filters.size()) {
            finished.run();
            return;
        }
        String f = filters.get(i);
        ClientAuthorizeRequest req = ClientAuthorizeRequest.newBuilder().setClientinfo(clientInfo())
                .setType(ClientAuthorizeRequest.AuthorizeReqType.SUBSCRIBE).setTopic(f).setMeta(ex.meta).build();
        ex.chain("client.authorize", hash, hubPermits.test(f), new BoolHook() {
            @Override
            public void call(HookProviderGrpc.HookProviderStub stub, Boolean value, StreamObserver<ValuedResponse> a) {
                stub.onClientAuthorize(req.toBuilder().setResult(value).build(), a);
            }
        }, ok -> {
            if (ok) {
                allowed.add(f);
            }
            authorizeFilters(filters, i + 1, hubPermits, allowed, finished);
        });
    }

    private void authorizePublish(HookedPublish p, Consumer<HookedPublish> next) {
        if (!ex.hooked("client.authorize")) {
            next.accept(p);
            return;
        }
        ClientAuthorizeRequest req = ClientAuthorizeRequest.newBuilder().setClientinfo(clientInfo())
                .setType(ClientAuthorizeRequest.AuthorizeReqType.PUBLISH).setTopic(p.topic()).setMeta(ex.meta).build();
        ex.chain("client.authorize", hash, p.verdict() == HookedPublish.Verdict.PUBLISH, new BoolHook() {
            @Override
            public void call(HookProviderGrpc.HookProviderStub stub, Boolean value, StreamObserver<ValuedResponse> a) {
                stub.onClientAuthorize(req.toBuilder().setResult(value).build(), a);
            }
        }, ok -> next.accept(p.with(ok ? HookedPublish.Verdict.PUBLISH : HookedPublish.Verdict.NOT_AUTHORIZED)));
    }

    /** {@code message.publish}: the hook may rewrite topic, qos and payload, or drop with {@code allow_publish=false}. */
    private final class PublishHook implements ExHook.Valued<HookedPublish> {
        @Override
        public String topic(HookedPublish v) {
            return v.topic();
        }

        @Override
        public void call(HookProviderGrpc.HookProviderStub stub, HookedPublish v, StreamObserver<ValuedResponse> a) {
            io.emqx.exhook.Message m = io.emqx.exhook.Message.newBuilder().setNode(ex.node)
                    .setId(String.format("%032x", IDS.incrementAndGet())).setQos(v.qos()).setFrom(clientId)
                    .setTopic(v.topic()).setPayload(ByteString.copyFrom(v.payload())).setTimestamp(System.currentTimeMillis())
                    .putHeaders("username", username).putHeaders("protocol", "mqtt").putHeaders("peerhost", peerHost())
                    .build();
            stub.onMessagePublish(MessagePublishRequest.newBuilder().setMessage(m).setMeta(ex.meta).build(), a);
        }

        @Override
        public HookedPublish replace(HookedPublish v, ValuedResponse r) {
            if (!r.hasMessage()) {
                throw new IllegalArgumentException("message.publish answer without a message");
            }
            io.emqx.exhook.Message m = r.getMessage();
            if ("false".equals(m.getHeadersMap().get("allow_publish"))) {
                return v.with(HookedPublish.Verdict.DROP);
            }
            if (!ExHook.validTopic(m.getTopic())) {
                throw new IllegalArgumentException("invalid topic " + m.getTopic());
            }
            if (m.getQos() > 2) {
                throw new IllegalArgumentException("invalid qos " + m.getQos());
            }
            return new HookedPublish(v.verdict(), m.getTopic(), m.getPayload().toByteArray(), (int) m.getQos(),
                    v.retain(), v.packetId(), v.clientQos());
        }

        @Override
        public HookedPublish denied(HookedPublish v) {
            return v.with(HookedPublish.Verdict.DROP);
        }
    }

    /** {@code client.authenticate} and {@code client.authorize}: a boolean result. */
    private abstract static class BoolHook implements ExHook.Valued<Boolean> {
        @Override
        public String topic(Boolean value) {
            return null;
        }

        @Override
        public Boolean replace(Boolean value, ValuedResponse r) {
            if (r.getValueCase() != ValuedResponse.ValueCase.BOOL_RESULT) {
                throw new IllegalArgumentException("answer without bool_result");
            }
            return r.getBoolResult();
        }

        @Override
        public Boolean denied(Boolean value) {
            return false;
        }
    }

    // ---- ordering ---------------------------------------------------------------------------------------------------

    /** Runs valued hook calls of this client one after the other. */
    private void enqueue(Runnable call) {
        boolean start;
        synchronized (queue) {
            queue.add(call);
            start = !running;
            running = true;
            if (queue.size() > MAX_PENDING && !paused) {
                paused = true;
                ch.config().setAutoRead(false);
            }
        }
        if (start) {
            runNext();
        }
    }

    private void runNext() {
        Runnable r;
        synchronized (queue) {
            r = queue.poll();
            if (r == null) {
                running = false;
                return;
            }
        }
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("exhook call could not be started: clientId={}", clientId, e);
            done(() -> { });
        }
    }

    /** A hook result: hand it to the event loop, then start this client's next call. */
    private void done(Runnable deliver) {
        ch.eventLoop().execute(() -> {
            try {
                deliver.run();
            } finally {
                boolean resume;
                synchronized (queue) {
                    resume = paused && queue.size() <= MAX_PENDING / 2;
                    if (resume) {
                        paused = false;
                    }
                }
                if (resume && ch.isActive()) {
                    ch.config().setAutoRead(true);
                }
                runNext();
            }
        });
    }
}
