package io.baetyl.hub.server;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.LogReader;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.Metrics;
import io.baetyl.hub.broker.NotStoredException;
import io.baetyl.hub.broker.Subscriber;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.exhook.ClientHooks;
import io.baetyl.hub.exhook.ExHook;
import io.baetyl.hub.exhook.HookedPublish;
import io.baetyl.hub.topic.Topics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection and its MQTT session. Everything except {@link #deliverQos0} and {@link #signalLog} runs on
 * the channel's event loop, so the session state needs no locks.
 *
 * <p>Outgoing QoS 1 works like baetyl-hub: the session reads the broker's log from its cursor, sends what matches its
 * subscriptions while fewer than {@code message.egress.qos1.buffer.size} are unacknowledged, resends with DUP every
 * {@code retry.interval}, and its acknowledged offset (everything before the oldest unacknowledged message) is what a
 * persistent session resumes from. An unacknowledged delivery holds the message's log position, not its payload:
 * a resend reads it back. Retained messages owed after a SUBSCRIBE ({@link RetainedDelivery}) and QoS 0 messages
 * ({@link Qos0Queue}) wait within their budgets; everything is written only while the channel is writable, so a
 * client that stops reading holds at most Netty's write buffer high-water mark of the hub's memory.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements Subscriber, LogReader {
    private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);

    private final Broker broker;
    private final Authenticator auth;
    private final HubConfig config;
    private final Metrics metrics;
    private final long retryNanos;
    private final ExHook exhook;
    private ClientHooks hooks = ClientHooks.NONE;

    private Channel ch;
    private String remote = "?";
    private State state = State.NEW;
    private String clientId;
    private boolean persistent;
    private Authenticator.Account account;
    private Message will;
    private boolean gracefulDisconnect;
    private List<Object> heldBack;
    private final Set<String> permittedTopics = new HashSet<>();
    private Map<String, Integer> subscriptions;
    private Set<Integer> qos2Received;

    // egress QoS 0: filled by publishers' threads, drained on this loop
    private final Qos0Queue q0;
    private final AtomicBoolean q0Scheduled = new AtomicBoolean();
    private final RetainedDelivery retainedOwed = new RetainedDelivery();
    private final AtomicBoolean logScheduled = new AtomicBoolean();

    // egress QoS 1
    private long cursor;
    private long savedOffset = -1;
    /** What {@link #consumedUpTo()} tells the store thread (which frees the log up to the slowest reader). */
    private volatile long consumed;
    private final InflightWindow inflight;
    private ScheduledFuture<?> retryTask;

    // ingress QoS 1 appended to the log during this socket read, acknowledged at its end (packet id, | 0x10000 for QoS 2)
    private int[] unacked = new int[16];
    private int unackedCount;
    private long unackedEpoch;

    final CompletableFuture<Void> closed = new CompletableFuture<>();

    private enum State { NEW, CONNECTING, CONNECTED, CLOSED }

    public MqttConnection(Broker broker, Authenticator auth) {
        this(broker, auth, ExHook.NONE);
    }

    public MqttConnection(Broker broker, Authenticator auth, ExHook exhook) {
        this.exhook = exhook;
        this.broker = broker;
        this.auth = auth;
        this.config = broker.config();
        this.metrics = broker.metrics();
        var limits = broker.limits();
        this.q0 = new Qos0Queue(limits.qos0SessionCountMax(), limits.qos0SessionSizeMax(), broker.qos0Budget(), metrics);
        this.inflight = new InflightWindow(config.message.egress.qos1.buffer.size);
        this.retryNanos = config.message.egress.qos1.retry.interval.toNanos();
    }

    public String clientId() {
        return clientId;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ch = ctx.channel();
        SocketAddress ra = ch.remoteAddress();
        remote = ra == null ? "?" : ra.toString();
        hooks = exhook.client(ch); // ExHook: this connection's hooks (a no-op without servers)
        metrics.connections.incrementAndGet();
        metrics.connectionsTotal.increment();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CONNECTING) {
            // a session takeover is in progress: hold packets until CONNACK is out
            if (heldBack == null) {
                heldBack = new ArrayList<>();
            }
            heldBack.add(msg);
            return;
        }
        try {
            if (msg instanceof MqttMessage m) {
                handle(m);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void handle(MqttMessage msg) {
        if (state == State.CLOSED) {
            return;
        }
        if (msg.decoderResult().isFailure()) {
            decodeFailed(msg);
            return;
        }
        MqttFixedHeader fh = msg.fixedHeader();
        if (!flagsValid(fh)) {
            protocolError("reserved flags set in " + fh.messageType() + " fixed header");
            return;
        }
        if (state == State.NEW && fh.messageType() != MqttMessageType.CONNECT) {
            protocolError(fh.messageType() + " before CONNECT");
            return;
        }
        switch (fh.messageType()) {
            case CONNECT -> onConnect((MqttConnectMessage) msg);
            case PUBLISH -> onPublish((MqttPublishMessage) msg);
            case PUBACK -> onPubAck(((MqttMessageIdVariableHeader) msg.variableHeader()).messageId());
            case PUBREL -> onPubRel(((MqttMessageIdVariableHeader) msg.variableHeader()).messageId());
            case SUBSCRIBE -> onSubscribe((MqttSubscribeMessage) msg);
            case UNSUBSCRIBE -> onUnsubscribe((MqttUnsubscribeMessage) msg);
            case PINGREQ -> ch.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
            case DISCONNECT -> {
                gracefulDisconnect = true;
                log.debug("client disconnected: clientId={}", clientId);
                ch.close();
            }
            case PUBREC, PUBCOMP -> {
                // the hub never sends QoS 2, so these answer nothing it asked
                protocolError("unexpected " + fh.messageType());
            }
            default -> protocolError("unexpected " + fh.messageType() + " from a client");
        }
    }

    /** MQTT 3.1.1 §2.2.2: flags other than PUBLISH's are fixed. */
    private static boolean flagsValid(MqttFixedHeader fh) {
        MqttMessageType t = fh.messageType();
        if (t == MqttMessageType.PUBLISH) {
            return true;
        }
        int expectedQos = (t == MqttMessageType.PUBREL || t == MqttMessageType.SUBSCRIBE || t == MqttMessageType.UNSUBSCRIBE) ? 1 : 0;
        return !fh.isDup() && !fh.isRetain() && fh.qosLevel().value() == expectedQos;
    }

    private void decodeFailed(MqttMessage msg) {
        Throwable cause = msg.decoderResult().cause();
        if (cause instanceof MqttUnacceptableProtocolVersionException) {
            log.warn("connection refused: remote={}, reason=unacceptable protocol name or version", remote);
            refuse(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        } else if (cause instanceof MqttIdentifierRejectedException) {
            log.warn("connection refused: remote={}, reason=identifier rejected ({})", remote, cause.getMessage());
            refuse(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
        } else if (cause instanceof TooLongFrameException) {
            log.warn("closing connection: remote={}, clientId={}, reason=packet larger than message.length.max ({} bytes): {}",
                    remote, clientId, config.message.length.max.bytes(), cause.getMessage());
            close();
        } else {
            String why = cause == null ? "unknown" : cause.getMessage();
            if (cause instanceof DecoderException && cause.getCause() != null) {
                why = cause.getCause().toString();
            }
            log.warn("closing connection: remote={}, clientId={}, reason=malformed packet: {}", remote, clientId, why);
            close();
        }
    }

    private void protocolError(String why) {
        log.warn("closing connection: remote={}, clientId={}, reason=protocol violation: {}", remote, clientId, why);
        close();
    }

    private void close() {
        if (ch.isActive()) {
            ch.close();
        }
    }

    private void refuse(MqttConnectReturnCode code) {
        if (state != State.NEW) {
            close();
            return;
        }
        state = State.CLOSED;
        ch.writeAndFlush(connAck(code, false)).addListener(ChannelFutureListener.CLOSE);
        hooks.connack(code.name(), false, false, null); // ExHook: client.connack (refused)
    }

    private static MqttConnAckMessage connAck(MqttConnectReturnCode code, boolean present) {
        return new MqttConnAckMessage(new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(code, present));
    }

    // ---- CONNECT ------------------------------------------------------------------------------------------------

    private void onConnect(MqttConnectMessage msg) {
        if (state != State.NEW) {
            protocolError("second CONNECT");
            return;
        }
        remote = ClientAddress.text(ch); // after a PROXY header: the client's real address
        ConnectCheck check = ConnectCheck.of(msg, auth, ch);
        // ExHook: client.connect, then client.authenticate decides after the hub's principals
        if (hooks.authenticate(msg, !check.refused(), ok -> connectAuthenticated(msg, check.withHookVerdict(ok, msg)))) {
            state = State.CONNECTING; // packets behind the CONNECT wait in heldBack, the socket is not read
            ch.config().setAutoRead(false);
            return;
        }
        connectChecked(msg, check);
    }

    /** client.authenticate answered (on this loop). */
    private void connectAuthenticated(MqttConnectMessage msg, ConnectCheck check) {
        if (state != State.CONNECTING || !ch.isActive()) {
            state = State.CLOSED;
            releaseHeldBack();
            closed.complete(null);
            return;
        }
        state = State.NEW;
        connectChecked(msg, check);
        if (state == State.CLOSED) {
            releaseHeldBack();
        }
    }

    private void connectChecked(MqttConnectMessage msg, ConnectCheck check) {
        var vh = msg.variableHeader();
        String id = msg.payload().clientIdentifier();
        if (check.refused()) {
            log.warn("connection refused: remote={}, clientId={}, reason={}", remote, id, check.reason);
            refuse(check.refusal);
            return;
        }
        account = check.account;
        will = check.will;
        boolean clean = vh.isCleanSession();
        if (id == null || id.isEmpty()) {
            // like baetyl-hub: a client without id gets a temporary, always clean session
            id = "$tmp-" + UUID.randomUUID();
            clean = true;
        }
        clientId = id;
        q0.owner = id;
        persistent = !clean;
        int keepAlive = vh.keepAliveTimeSeconds();
        state = State.CONNECTING;
        ch.config().setAutoRead(false);
        Object old = broker.registerSession(clientId, this);
        if (old instanceof MqttConnection prev) {
            log.info("session taken over: clientId={}, oldRemote={}, newRemote={}", clientId, prev.remote, remote);
            prev.hooks.sessionTakenOver(); // ExHook: session.takenover
            prev.takeOver();
            prev.closed.whenComplete((v, e) -> ch.eventLoop().execute(() -> completeConnect(keepAlive)));
        } else {
            completeConnect(keepAlive);
        }
    }

    private void completeConnect(int keepAlive) {
        if (!ch.isActive()) {
            state = State.CLOSED;
            broker.unregisterSession(clientId, this);
            releaseHeldBack();
            closed.complete(null);
            return;
        }
        // MQTT 3.1.1 §3.1.2.10: one and a half keep-alive periods without a packet close the connection
        if (keepAlive > 0 && ch.pipeline().get(PipelineNames.DECODER) != null) {
            ch.pipeline().addBefore(PipelineNames.DECODER, PipelineNames.IDLE,
                    new IdleStateHandler(keepAlive * 1500L, 0, 0, TimeUnit.MILLISECONDS));
        }
        if (will != null) {
            broker.store().wills().put(clientId, will.encode());
            broker.markDirty();
        }
        boolean present = false;
        cursor = broker.committedSeq();
        if (persistent) {
            Long off = broker.offset(clientId);
            byte[] stored = broker.store().subscriptions().get(clientId);
            present = off != null || stored != null;
            if (off != null) {
                cursor = Math.min(off, cursor);
            }
            if (stored != null) {
                for (Map.Entry<String, Integer> e : SubscriptionCodec.decode(stored).entrySet()) {
                    if (account.canSubscribe(e.getKey())) {
                        addSubscription(e.getKey(), e.getValue());
                    } else {
                        log.info("dropping stored subscription no longer permitted: clientId={}, topic={}", clientId, e.getKey());
                    }
                }
            }
            saveOffset();
        } else {
            if (broker.store().subscriptions().remove(clientId) != null) {
                broker.markDirty();
                hooks.sessionDiscarded(clientId); // ExHook: session.discarded
            }
            broker.deleteOffset(clientId);
        }
        state = State.CONNECTED;
        ch.writeAndFlush(connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED, present));
        hooks.connack("success", true, present, clientId); // ExHook: client.connack, session.created|resumed, client.connected
        log.debug("client connected: clientId={}, remote={}, username={}, clean={}, keepAlive={}, sessionPresent={}",
                clientId, remote, account.username(), !persistent, keepAlive, present);
        if (subscriptions != null && !subscriptions.isEmpty()) {
            consumed = cursor;
            broker.addReader(this);
            drainLog();
        }
        ch.config().setAutoRead(true);
        List<Object> held = heldBack;
        heldBack = null;
        if (held != null) {
            for (Object m : held) {
                channelRead(null, m);
            }
            ackPersisted();
        }
    }

    private void releaseHeldBack() {
        if (heldBack != null) {
            heldBack.forEach(ReferenceCountUtil::release);
            heldBack = null;
        }
    }

    /** Called from another connection's thread when the same client id connects again. */
    void takeOver() {
        ch.eventLoop().execute(() -> {
            if (ch.isActive()) {
                ch.close();
            } else if (state == State.CLOSED) {
                closed.complete(null);
            }
        });
    }

    // ---- PUBLISH in -----------------------------------------------------------------------------------------------

    private void onPublish(MqttPublishMessage msg) {
        String topic = msg.variableHeader().topicName();
        int qos = msg.fixedHeader().qosLevel().value();
        int pid = msg.variableHeader().packetId();
        boolean permitted = permittedTopics.contains(topic);
        if (!permitted) {
            if (!Topics.isValidPublishTopic(topic)) {
                log.warn("closing connection: clientId={}, reason=publish topic ({}) invalid", clientId, topic);
                close();
                return;
            }
            permitted = account.canPublish(topic);
        }
        ByteBuf content = msg.content();
        byte[] payload = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
        boolean retain = msg.fixedHeader().isRetain();
        // ExHook: client.authorize and message.publish; the result comes back in onHookedPublish, in order
        if (hooks.publish(topic, payload, qos, retain, pid, permitted, this::onHookedPublish)) {
            return;
        }
        if (!permitted) {
            log.warn("closing connection: clientId={}, reason=publish topic ({}) not permitted", clientId, topic);
            close();
            return;
        }
        if (permittedTopics.size() < 10_000) {
            permittedTopics.add(topic);
        }
        publishPermitted(topic, payload, qos, retain, pid);
    }

    /** A PUBLISH back from the ExHook chain (on this loop): refused, dropped (still acknowledged), or published. */
    private void onHookedPublish(HookedPublish p) {
        if (state != State.CONNECTED) {
            return;
        }
        switch (p.verdict()) {
            case NOT_AUTHORIZED -> {
                log.warn("closing connection: clientId={}, reason=publish topic ({}) not permitted", clientId, p.topic());
                close();
            }
            case DROP -> {
                log.debug("publish dropped by exhook: clientId={}, topic={}", clientId, p.topic());
                if (p.clientQos() > 0) {
                    ch.writeAndFlush(ackMessage(p.clientQos() == 2 ? MqttMessageType.PUBREC : MqttMessageType.PUBACK, p.packetId()));
                }
            }
            case PUBLISH -> {
                if (p.clientQos() > 0 && p.qos() == 0) {
                    // a hook lowered the QoS: route at 0, acknowledge what the client sent
                    metrics.messagesInQos0.increment();
                    broker.publish(new Message(p.topic(), p.payload(), 0, p.retain(), clientId), null);
                    ch.writeAndFlush(ackMessage(p.clientQos() == 2 ? MqttMessageType.PUBREC : MqttMessageType.PUBACK, p.packetId()));
                } else if (p.clientQos() == 0 && p.qos() > 0) {
                    // a hook raised the QoS: stored like any QoS 1 message; there is no packet to acknowledge
                    metrics.messagesInQos1.increment();
                    try {
                        broker.appendQos1(new Message(p.topic(), p.payload(), 1, p.retain(), clientId));
                        broker.flushQos1();
                    } catch (NotStoredException e) {
                        notStored(1, e.getMessage());
                    }
                } else {
                    publishPermitted(p.topic(), p.payload(), p.qos(), p.retain(), p.packetId());
                    ackPersisted();
                }
            }
        }
    }

    private void publishPermitted(String topic, byte[] payload, int qos, boolean retain, int pid) {
        if (qos == 0) {
            metrics.messagesInQos0.increment();
            broker.publish(new Message(topic, payload, 0, retain, clientId), null);
            return;
        }
        metrics.messagesInQos1.increment();
        if (qos == 2) {
            // QoS 2 is accepted and stored once (exactly-once towards the hub), then delivered at QoS 1 at most
            if (qos2Received == null) {
                qos2Received = new HashSet<>();
            }
            if (!qos2Received.add(pid)) {
                ch.writeAndFlush(ackMessage(MqttMessageType.PUBREC, pid));
                return;
            }
        }
        int packed = qos == 2 ? pid | 0x10000 : pid;
        if (unackedCount == 0) {
            unackedEpoch = broker.qos1Epoch();
        }
        try {
            broker.appendQos1(new Message(topic, payload, 1, retain, clientId));
        } catch (NotStoredException e) {
            ackPersisted(); // what this read stored before is acknowledged
            notStored(1, e.getMessage());
            return;
        }
        if (unacked.length == unackedCount) {
            unacked = java.util.Arrays.copyOf(unacked, unackedCount * 2);
        }
        unacked[unackedCount++] = packed;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        ackPersisted();
        super.channelReadComplete(ctx);
    }

    /**
     * Flushes the QoS 1 log once for everything this socket read published, then sends the PUBACKs (PUBRECs for QoS
     * 2): an ack always follows the write that makes the message durable.
     */
    private void ackPersisted() {
        if (unackedCount == 0) {
            return;
        }
        int n = unackedCount;
        unackedCount = 0;
        try {
            broker.flushQos1();
        } catch (NotStoredException e) {
            notStored(n, e.getMessage());
            return;
        }
        if (broker.qos1Epoch() != unackedEpoch) {
            // another connection's flush failed while these were waiting in the same batch: they are gone
            notStored(n, "QoS 1 log write failed");
            return;
        }
        if (ch.isActive()) {
            for (int i = 0; i < n; i++) {
                int packed = unacked[i];
                MqttMessageType type = (packed & 0x10000) != 0 ? MqttMessageType.PUBREC : MqttMessageType.PUBACK;
                ch.write(ackMessage(type, packed & 0xFFFF), ch.voidPromise());
            }
            ch.flush();
        }
        if (unacked.length > 64) {
            unacked = new int[16];
        }
    }

    /** QoS 1 publishes that could not be stored: no PUBACK, and the connection is closed so the client resends later. */
    private void notStored(int n, String why) {
        metrics.refusedQos1.add(n);
        if (state != State.CLOSED && ch.isActive()) {
            log.warn("closing connection: clientId={}, remote={}, reason=QoS 1 publish not stored, not acknowledged ({} messages): {}",
                    clientId, remote, n, why);
            close();
        }
    }

    private void onPubRel(int pid) {
        if (qos2Received != null) {
            qos2Received.remove(pid);
        }
        ch.writeAndFlush(ackMessage(MqttMessageType.PUBCOMP, pid));
    }

    private static MqttMessage ackMessage(MqttMessageType type, int pid) {
        return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(pid));
    }

    // ---- SUBSCRIBE ------------------------------------------------------------------------------------------------

    private void onSubscribe(MqttSubscribeMessage msg) {
        // ExHook: client.authorize decides each filter after the principals; null: the principals alone
        if (!hooks.authorizeSubscribe(msg, account::canSubscribe, allowed -> subscribeAuthorized(msg, allowed))) {
            subscribeAuthorized(msg, null);
        }
    }

    private void subscribeAuthorized(MqttSubscribeMessage msg, Set<String> hookAllowed) {
        if (state != State.CONNECTED) {
            return;
        }
        List<Integer> codes = new ArrayList<>();
        Map<String, Integer> added = new LinkedHashMap<>();
        boolean wasEmpty = subscriptions == null || subscriptions.isEmpty();
        for (MqttTopicSubscription s : msg.payload().topicSubscriptions()) {
            String filter = s.topicName();
            int qos = s.qualityOfService().value();
            if (!Topics.isValidFilter(filter) && !Topics.isSysFilter(filter)) {
                log.info("subscribe refused: clientId={}, topic={}, reason=topic invalid", clientId, filter);
                codes.add(0x80);
                continue;
            }
            if (hookAllowed == null ? !account.canSubscribe(filter) : !hookAllowed.contains(filter)) {
                log.info("subscribe refused: clientId={}, topic={}, reason=not permitted", clientId, filter);
                codes.add(0x80);
                continue;
            }
            int granted = Math.min(qos, 1);
            addSubscription(filter, granted);
            added.put(filter, granted);
            codes.add(granted);
        }
        List<List<String>> retainedNow = List.of();
        if (!added.isEmpty()) {
            // the log position and the retained messages from the same instant: a retained QoS 1 message that is
            // being published now arrives either as retained or from the log, not twice and not never
            Broker.RetainedView view = broker.retainedMatching(List.copyOf(added.keySet()));
            retainedNow = view.matching();
            if (wasEmpty) {
                // nothing before this point was addressed to this session
                cursor = Math.max(cursor, view.committedSeq());
                consumed = cursor;
                broker.addReader(this);
            }
            persistSubscriptions();
        }
        int pid = msg.variableHeader().messageId();
        ch.write(new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(pid), new MqttSubAckPayload(codes)));
        int k = 0;
        for (Map.Entry<String, Integer> e : added.entrySet()) {
            for (String topic : retainedNow.get(k)) {
                retainedOwed.add(topic, e.getValue());
            }
            k++;
        }
        ch.flush();
        hooks.subscribed(msg, added); // ExHook: client.subscribe, session.subscribed
        drainRetained();
        if (wasEmpty && !added.isEmpty()) {
            saveOffset();
        }
    }

    private void addSubscription(String filter, int qos) {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>();
        }
        subscriptions.put(filter, qos);
        broker.subscribe(filter, this, qos);
    }

    private void onUnsubscribe(MqttUnsubscribeMessage msg) {
        List<String> removed = new ArrayList<>();
        for (String filter : msg.payload().topics()) {
            if (subscriptions != null && subscriptions.remove(filter) != null) {
                broker.unsubscribe(filter, this);
                removed.add(filter);
            }
        }
        boolean changed = !removed.isEmpty();
        hooks.unsubscribed(msg.payload().topics(), removed); // ExHook: client.unsubscribe, session.unsubscribed
        if (changed) {
            persistSubscriptions();
            if (subscriptions.isEmpty()) {
                broker.removeReader(this);
            }
        }
        ch.writeAndFlush(new MqttUnsubAckMessage(new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(msg.variableHeader().messageId())));
    }

    private void persistSubscriptions() {
        if (!persistent) {
            return;
        }
        if (subscriptions == null || subscriptions.isEmpty()) {
            broker.store().subscriptions().remove(clientId);
        } else {
            broker.store().subscriptions().put(clientId, SubscriptionCodec.encode(subscriptions));
        }
        broker.markDirty();
    }

    /** Subscriptions now; read from another thread, so a close count. */
    int subscriptionCount() {
        Map<String, Integer> s = subscriptions;
        return s == null ? 0 : s.size();
    }

    String clientIdOrNull() {
        return state == State.CONNECTED ? clientId : null;
    }

    /** Who this client is and what it subscribed to, taken on its own event loop; null when it is not connected. */
    CompletableFuture<Map<String, Object>> describe(int maxSubscriptions) {
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        Channel c = ch;
        if (c == null) {
            f.complete(null);
            return f;
        }
        c.eventLoop().execute(() -> {
            if (state != State.CONNECTED) {
                f.complete(null);
                return;
            }
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("clientid", clientId);
            d.put("username", account == null ? "" : account.username());
            d.put("address", remote);
            d.put("connected", true);
            d.put("clean_session", !persistent);
            d.put("subscriptions", ClientListing.subscriptions(subscriptions == null ? Map.of() : subscriptions,
                    maxSubscriptions));
            f.complete(d);
        });
        return f;
    }

    // ---- egress ---------------------------------------------------------------------------------------------------

    @Override
    public void deliverQos0(Message m) {
        if (q0.offer(m) && q0Scheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(this::drainQos0);
        }
    }

    private void drainQos0() {
        q0Scheduled.set(false);
        if (state != State.CONNECTED) {
            if (state == State.CLOSED) {
                q0.clear();
            }
            return;
        }
        if (!retainedOwed.isEmpty()) {
            return; // retained messages first; drainRetained comes back here
        }
        int n = 0;
        Message m;
        while (ch.isWritable() && (m = q0.poll()) != null) {
            ch.write(publish(m, 0, 0, false, false), ch.voidPromise());
            n++;
        }
        if (n > 0) {
            metrics.messagesOutQos0.add(n);
            ch.flush();
        }
        if (!q0.isEmpty() && ch.isWritable() && q0Scheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(this::drainQos0);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ch.isWritable()) {
            drainRetained();
            drainQos0();
            drainLog();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void signalLog() {
        if (logScheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(() -> {
                logScheduled.set(false);
                drainLog();
            });
        }
    }

    /** Sends what the log holds for this session, within the in-flight window and the batch size. */
    private void drainLog() {
        if (state != State.CONNECTED || subscriptions == null || subscriptions.isEmpty() || !retainedOwed.isEmpty()) {
            return;
        }
        long end = broker.committedSeq();
        int batch = config.message.egress.qos1.batch.max;
        int sent = 0;
        int read = 0;
        long now = System.nanoTime();
        while (cursor < end && inflight.hasRoom() && ch.isWritable()) {
            if (read >= batch) {
                // yield to other channels on this loop; continue in a fresh task
                signalLog();
                break;
            }
            long seq = cursor + 1;
            Message m = broker.read(seq);
            cursor = seq;
            read++;
            if (m == null) {
                continue;
            }
            int subQos = matchQos(m.topic);
            if (subQos < 0) {
                continue;
            }
            int qos = Math.min(subQos, m.qos);
            if (qos == 0) {
                ch.write(publish(m, 0, 0, false, false), ch.voidPromise());
                metrics.messagesOutQos0.increment();
            } else {
                int pid = inflight.add(m.seq, null, now);
                scheduleResend();
                ch.write(publish(m, 1, pid, false, false), ch.voidPromise());
                metrics.messagesOutQos1.increment();
            }
            sent++;
        }
        if (sent > 0) {
            ch.flush();
        }
        saveOffset();
    }

    private int matchQos(String topic) {
        int best = -1;
        for (Map.Entry<String, Integer> e : subscriptions.entrySet()) {
            if (e.getValue() > best && Topics.matches(e.getKey(), topic)) {
                best = e.getValue();
                if (best == 1) {
                    break;
                }
            }
        }
        return best;
    }

    /**
     * Sends the retained messages owed since a SUBSCRIBE while the channel is writable (and, for QoS 1, the in-flight
     * window has room), reading each from the store; once all are out, what waited behind them follows.
     */
    private void drainRetained() {
        if (state != State.CONNECTED || retainedOwed.isEmpty()) {
            return;
        }
        int sent = 0;
        RetainedDelivery.Owed o;
        while ((o = retainedOwed.peek()) != null && ch.isWritable()) {
            Message r = broker.retained().get(o.topic());
            int qos = r == null ? 0 : Math.min(r.qos, o.qos());
            if (qos == 1 && !inflight.hasRoom()) {
                break; // onPubAck comes back here
            }
            retainedOwed.remove();
            if (r == null) {
                continue; // deleted since the SUBSCRIBE
            }
            if (qos == 0) {
                ch.write(publish(r, 0, 0, false, true), ch.voidPromise());
                metrics.messagesOutQos0.increment();
            } else {
                int pid = inflight.add(0, r.topic, System.nanoTime());
                scheduleResend();
                ch.write(publish(r, 1, pid, false, true), ch.voidPromise());
                metrics.messagesOutQos1.increment();
            }
            sent++;
        }
        if (sent > 0) {
            ch.flush();
        }
        if (retainedOwed.isEmpty()) {
            drainQos0();
            drainLog();
        }
    }

    private void scheduleResend() {
        if (retryTask == null) {
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), retryNanos / 2);
            retryTask = ch.eventLoop().scheduleAtFixedRate(this::resend, period, period, TimeUnit.NANOSECONDS);
        }
    }

    private void resend() {
        if (state != State.CONNECTED || inflight.size() == 0) {
            return;
        }
        long now = System.nanoTime();
        int n = 0;
        boolean gone = false;
        for (Iterator<Map.Entry<Integer, InflightWindow.Entry>> it = inflight.iterator(); it.hasNext() && ch.isWritable(); ) {
            Map.Entry<Integer, InflightWindow.Entry> e = it.next();
            InflightWindow.Entry f = e.getValue();
            if (now - f.sentAt >= retryNanos) {
                // read back: the log (or the retained store) holds the message, not this session
                Message m = f.retainedTopic != null ? broker.retained().get(f.retainedTopic) : broker.read(f.seq);
                if (m == null) {
                    it.remove(); // expired by retention, or the retained message was deleted: nothing left to resend
                    gone = true;
                    continue;
                }
                f.sentAt = now;
                ch.write(publish(m, 1, e.getKey(), true, f.retainedTopic != null), ch.voidPromise());
                n++;
            }
        }
        if (gone) {
            saveOffset();
        }
        if (n > 0) {
            metrics.messagesResent.add(n);
            log.debug("resent unacknowledged messages: clientId={}, count={}", clientId, n);
            ch.flush();
        }
    }

    private void onPubAck(int pid) {
        if (inflight.acknowledge(pid)) {
            if (!retainedOwed.isEmpty()) {
                drainRetained();
            } else if (cursor < broker.committedSeq() && subscriptions != null && !subscriptions.isEmpty()) {
                drainLog();
            } else {
                saveOffset();
            }
        }
    }

    @Override
    public long consumedUpTo() {
        return consumed;
    }

    private void saveOffset() {
        long off = inflight.ackedOffset(cursor);
        consumed = off;
        if (!persistent) {
            return;
        }
        if (off != savedOffset) {
            savedOffset = off;
            broker.saveOffset(clientId, off);
        }
    }

    private MqttPublishMessage publish(Message m, int qos, int pid, boolean dup, boolean retain) {
        if (!dup) {
            hooks.delivered(m, qos); // ExHook: message.delivered
        }
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(m.topic, qos == 0 ? -1 : pid), Unpooled.wrappedBuffer(m.payload));
    }

    // ---- close ----------------------------------------------------------------------------------------------------

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            log.info("closing connection: clientId={}, remote={}, reason=keep-alive expired", clientId, remote);
            close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("connection error: clientId={}, remote={}: {}", clientId, remote, cause.toString());
        } else if (cause instanceof DecoderException) {
            log.warn("closing connection: remote={}, clientId={}, reason={}", remote, clientId, cause.getMessage());
        } else {
            log.error("unexpected error: clientId={}, remote={}", clientId, remote, cause);
        }
        close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ackPersisted(); // the log is flushed even when the acks can no longer be sent
        metrics.connections.decrementAndGet();
        State was = state;
        state = State.CLOSED;
        releaseHeldBack();
        if (retryTask != null) {
            retryTask.cancel(false);
        }
        q0.clear();
        retainedOwed.clear();
        if (was == State.CONNECTED) {
            broker.removeReader(this);
            if (subscriptions != null) {
                for (String f : subscriptions.keySet()) {
                    broker.unsubscribe(f, this);
                }
            }
            if (persistent) {
                saveOffset();
            }
            if (will != null) {
                broker.store().wills().remove(clientId);
                broker.markDirty();
                if (!gracefulDisconnect) {
                    log.debug("publishing will: clientId={}, topic={}", clientId, will.topic);
                    broker.publish(will.withSeq(0), null);
                }
            }
            broker.unregisterSession(clientId, this);
            hooks.disconnected(gracefulDisconnect ? "normal" : "closed", !persistent); // ExHook: client.disconnected, session.terminated
            log.debug("session closed: clientId={}, graceful={}", clientId, gracefulDisconnect);
            closed.complete(null);
        } else if (was != State.CONNECTING) {
            closed.complete(null);
        }
        // CONNECTING: completeConnect sees the inactive channel and completes
        super.channelInactive(ctx);
    }

    /** Closes the connection as the hub shuts down (the will is sent, as for any abnormal close). */
    public CompletableFuture<Void> shutdown() {
        ch.eventLoop().execute(this::close);
        return closed;
    }
}
