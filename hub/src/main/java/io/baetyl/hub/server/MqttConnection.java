package io.baetyl.hub.server;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.ClientSession;
import io.baetyl.hub.broker.Metrics;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.exhook.ClientHooks;
import io.baetyl.hub.exhook.ExHook;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty handler of one client connection: it checks each decoded packet, runs the CONNECT step (validation and
 * login in {@link ConnectCheck}, then the {@link Session} is registered, taking over an older connection of the same
 * client id, and restored), and hands every later packet to the session. Runs on the channel's event loop.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);

    private final Broker broker;
    private final Authenticator auth;
    private final HubConfig config;
    private final Metrics metrics;
    private final SessionEvents events;
    private final ExHook exhook;
    /** This connection's ExHook calls; a no-op without servers. */
    private ClientHooks hooks = ClientHooks.NONE;

    private Channel ch;
    private String remote = "?";
    private State state = State.NEW;
    private Protocol protocol = Protocol.V3;
    private Session session;
    private boolean gracefulDisconnect;
    private List<Object> heldBack;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

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
        this.events = SessionEvents.LOG;
    }

    /** The session, once the CONNECT was accepted (for listings); null before. */
    Session session() {
        return state == State.CONNECTED ? session : null;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ch = ctx.channel();
        remote = ClientAddress.text(ch);
        hooks = exhook.client(ch);
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

    /** Checks a decoded packet and dispatches it. */
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
            case PUBLISH -> session.in.onPublish((MqttPublishMessage) msg);
            case PUBACK -> session.out.onPubAck(packetId(msg));
            case PUBREL -> session.in.onPubRel(packetId(msg));
            case SUBSCRIBE -> session.subscribe((MqttSubscribeMessage) msg);
            case UNSUBSCRIBE -> session.unsubscribe((MqttUnsubscribeMessage) msg);
            case PINGREQ -> ch.writeAndFlush(protocol.pingResp());
            case DISCONNECT -> {
                gracefulDisconnect = !protocol.willOnDisconnect(msg);
                protocol.disconnected(msg);
                log.debug("client disconnected: clientId={}", session.clientId());
                ch.close();
            }
            case PUBREC -> session.out.qos2.onPubRec(packetId(msg));
            case PUBCOMP -> session.out.qos2.onPubComp(packetId(msg));
            default -> protocolError("unexpected " + fh.messageType() + " from a client");
        }
    }

    private static int packetId(MqttMessage msg) {
        return ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
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

    private String clientId() {
        return session == null ? null : session.clientId();
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
                    remote, clientId(), config.message.length.max.bytes(), cause.getMessage());
            close(Disconnect.PACKET_TOO_LARGE);
        } else {
            String why = cause == null ? "unknown" : cause.getMessage();
            if (cause instanceof DecoderException && cause.getCause() != null) {
                why = cause.getCause().toString();
            }
            log.warn("closing connection: remote={}, clientId={}, reason=malformed packet: {}", remote, clientId(), why);
            close(Disconnect.MALFORMED_PACKET);
        }
    }

    private void protocolError(String why) {
        log.warn("closing connection: remote={}, clientId={}, reason=protocol violation: {}", remote, clientId(), why);
        close(Disconnect.PROTOCOL_ERROR);
    }

    private void close() {
        if (ch.isActive()) {
            ch.close();
        }
    }

    /** Closes the connection, telling an MQTT 5 client why first (a DISCONNECT with {@code reasonCode}). */
    private void close(int reasonCode) {
        Disconnect.close(ch, state == State.CONNECTED ? protocol : Protocol.V3, reasonCode);
    }

    private void refuse(MqttConnectReturnCode code) {
        if (state != State.NEW) {
            close();
            return;
        }
        state = State.CLOSED;
        ch.writeAndFlush(protocol.connAck(code, false)).addListener(ChannelFutureListener.CLOSE);
        hooks.connack(code.name(), false, false, null);
    }

    // ---- the CONNECT step -------------------------------------------------------------------------------------------

    private void onConnect(MqttConnectMessage msg) {
        if (state != State.NEW) {
            protocolError("second CONNECT");
            return;
        }
        remote = ClientAddress.text(ch); // after a PROXY protocol header: the client's real address
        protocol = Protocol.forConnect(msg, (int) Math.min(Integer.MAX_VALUE, config.message.length.max.bytes()));
        protocol.receiveMaximumIn(config.message.ingress.inflight.max);
        ConnectCheck check = ConnectCheck.authenticate(msg, auth, ch, protocol);
        // ExHook client.connect, then client.authenticate decides after the hub's principals
        if (hooks.authenticate(msg, !check.refused(), ok -> connectAuthenticated(msg, check.withHookVerdict(ok, msg)))) {
            state = State.CONNECTING; // packets behind the CONNECT wait in heldBack; the socket is not read
            ReadGate.of(ch).pause(ReadGate.Reason.CONNECTING);
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
        boolean clean = vh.isCleanSession();
        if ((id == null || id.isEmpty()) && protocol.acceptsEmptyClientIdWithSession()) {
            // MQTT 5: the hub assigns an id and tells it in the CONNACK
            id = "auto-" + UUID.randomUUID().toString().replace("-", "");
            protocol.assignedClientId(id);
        } else if (id == null || id.isEmpty()) {
            // like baetyl-hub: a client without id gets a temporary, always clean session
            id = "$tmp-" + UUID.randomUUID();
            clean = true;
        }
        session = new Session(broker, ch, remote, id, check.account, protocol.keepsSession(clean), !clean, check.will,
                protocol, events, hooks);
        int keepAlive = protocol.keepAlive(vh.keepAliveTimeSeconds(), (int) config.connect.keepalive.max.toSeconds());
        state = State.CONNECTING;
        ReadGate.of(ch).pause(ReadGate.Reason.CONNECTING);
        ClientSession old = broker.sessions().register(id, session);
        if (old != null) {
            log.info("session taken over: clientId={}, oldRemote={}, newRemote={}", id,
                    old instanceof Session s ? s.remote : "?", remote);
            if (old instanceof Session s) {
                s.hooks.sessionTakenOver();
            }
            old.takeOver().whenComplete((v, e) -> ch.eventLoop().execute(() -> completeConnect(keepAlive)));
        } else {
            completeConnect(keepAlive);
        }
    }

    private void completeConnect(int keepAlive) {
        if (!ch.isActive()) {
            state = State.CLOSED;
            session.abandon();
            releaseHeldBack();
            closed.complete(null);
            return;
        }
        // MQTT 3.1.1 §3.1.2.10: one and a half keep-alive periods without a packet close the connection
        if (keepAlive > 0 && ch.pipeline().get(PipelineNames.DECODER) != null) {
            ch.pipeline().addBefore(PipelineNames.DECODER, PipelineNames.IDLE,
                    new IdleStateHandler(keepAlive * 1500L, 0, 0, TimeUnit.MILLISECONDS));
        }
        boolean present = session.open();
        state = State.CONNECTED;
        ch.writeAndFlush(protocol.connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED, present));
        hooks.connack("success", true, present, session.clientId()); // and session.created|resumed, client.connected
        session.start(present, keepAlive);
        ReadGate.of(ch).resume(ReadGate.Reason.CONNECTING);
        List<Object> held = heldBack;
        heldBack = null;
        if (held != null) {
            for (Object m : held) {
                channelRead(null, m);
            }
            session.in.ackPersisted();
            session.out.qos2.sendReleases();
            session.out.readComplete();
        }
    }

    private void releaseHeldBack() {
        if (heldBack != null) {
            heldBack.forEach(ReferenceCountUtil::release);
            heldBack = null;
        }
    }

    // ---- flow and close ---------------------------------------------------------------------------------------------

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (state == State.CONNECTED) {
            session.in.ackPersisted();
            session.out.qos2.sendReleases();
            session.out.readComplete(); // refills the QoS 1 window once for this read's PUBACKs
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (state == State.CONNECTED && ch.isWritable()) {
            session.out.writable();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            log.info("closing connection: clientId={}, remote={}, reason=keep-alive expired", clientId(), remote);
            close(Disconnect.KEEP_ALIVE_TIMEOUT);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("connection error: clientId={}, remote={}: {}", clientId(), remote, cause.toString());
        } else if (cause instanceof DecoderException) {
            log.warn("closing connection: remote={}, clientId={}, reason={}", remote, clientId(), cause.getMessage());
        } else {
            log.error("unexpected error: clientId={}, remote={}", clientId(), remote, cause);
        }
        close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        metrics.connections.decrementAndGet();
        State was = state;
        state = State.CLOSED;
        releaseHeldBack();
        if (was == State.CONNECTED) {
            session.in.ackPersisted(); // the log is flushed even when the acks can no longer be sent
            session.end(gracefulDisconnect);
            closed.complete(null);
        } else if (was != State.CONNECTING) {
            closed.complete(null);
        }
        // CONNECTING: completeConnect sees the inactive channel and completes
        super.channelInactive(ctx);
    }

    /** Closes the connection as the hub shuts down (the will is sent, as for any abnormal close). */
    public CompletableFuture<Void> shutdown() {
        ch.eventLoop().execute(() -> close(Disconnect.SERVER_SHUTTING_DOWN));
        return closed;
    }
}
