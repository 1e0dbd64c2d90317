package io.baetyl.hub.exhook;

import com.google.protobuf.ByteString;
import io.emqx.exhook.ClientConnackRequest;
import io.emqx.exhook.ClientConnectRequest;
import io.emqx.exhook.ClientConnectedRequest;
import io.emqx.exhook.ClientDisconnectedRequest;
import io.emqx.exhook.ClientSubscribeRequest;
import io.emqx.exhook.ClientUnsubscribeRequest;
import io.emqx.exhook.HookProviderGrpc;
import io.emqx.exhook.MessageAckedRequest;
import io.emqx.exhook.MessageDeliveredRequest;
import io.emqx.exhook.MessageDroppedRequest;
import io.emqx.exhook.SessionCreatedRequest;
import io.emqx.exhook.SessionDiscardedRequest;
import io.emqx.exhook.SessionResumedRequest;
import io.emqx.exhook.SessionSubscribedRequest;
import io.emqx.exhook.SessionTakenoverRequest;
import io.emqx.exhook.SessionTerminatedRequest;
import io.emqx.exhook.SessionUnsubscribedRequest;
import io.emqx.exhook.SubOpts;
import io.emqx.exhook.TopicFilter;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The ExHook side of one connection, the one object the connection code calls. Notifications (client, session and
 * message hooks) are sent from here; the valued hooks that decide something go through {@link PublishChain}, their
 * results applied in order per client ({@link HookQueue}). Every method returns at once; valued hooks answer through a callback on the
 * connection's event loop. With no server ({@link #NONE}) every method is a field read and a return.
 */
public final class ClientHooks {
    private static final AtomicLong IDS = new AtomicLong(ThreadLocalRandom.current().nextLong());

    /** No ExHook server: everything is a no-op. */
    public static final ClientHooks NONE = new ClientHooks(null, null);

    private final ExHook ex;
    private final ClientIdentity who;
    private final HookQueue queue;
    private final PublishChain chain;

    ClientHooks(ExHook ex, Channel ch) {
        this.ex = ex;
        this.who = ex == null ? null : new ClientIdentity(ex.node, ch);
        this.queue = ex == null ? null : new HookQueue(ch, who::clientId, ex.pipeline);
        this.chain = ex == null ? null : new PublishChain(ex, who, queue);
    }

    private boolean off() {
        return ex == null;
    }

    /** A message id for the hook requests (EMQX sends a 128-bit id as hex). */
    static String nextMessageId() {
        return String.format("%032x", IDS.incrementAndGet());
    }

    // ---- connection and session ------------------------------------------------------------------------------------

    /**
     * CONNECT arrived: {@code client.connect}, then {@code client.authenticate} with the hub's own verdict. Returns
     * false when no server hooks authentication (the hub's verdict stands, nothing waits); otherwise {@code then}
     * gets the final verdict on the event loop.
     */
    public boolean authenticate(MqttConnectMessage msg, boolean hubAccepted, Consumer<Boolean> then) {
        if (off()) {
            return false;
        }
        who.connect(msg);
        if (ex.hooked("client.connect")) {
            ex.notify("client.connect", null, who.hash(), ClientConnectRequest.newBuilder().setConninfo(who.connInfo())
                    .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onClientConnect);
        }
        if (!ex.hooked("client.authenticate")) {
            return false;
        }
        chain.authenticate(hubAccepted, then);
        return true;
    }

    /** The CONNACK went out (or the refusal): {@code client.connack}, and for an accepted client the session hooks. */
    public void connack(String resultCode, boolean accepted, boolean sessionPresent, String finalClientId) {
        if (off()) {
            return;
        }
        who.clientId(finalClientId);
        if (ex.hooked("client.connack")) {
            ex.notify("client.connack", null, who.hash(), ClientConnackRequest.newBuilder().setConninfo(who.connInfo())
                    .setResultCode(resultCode).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onClientConnack);
        }
        if (!accepted) {
            return;
        }
        if (sessionPresent && ex.hooked("session.resumed")) {
            ex.notify("session.resumed", null, who.hash(), SessionResumedRequest.newBuilder()
                    .setClientinfo(who.clientInfo()).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionResumed);
        } else if (!sessionPresent && ex.hooked("session.created")) {
            ex.notify("session.created", null, who.hash(), SessionCreatedRequest.newBuilder()
                    .setClientinfo(who.clientInfo()).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionCreated);
        }
        if (ex.hooked("client.connected")) {
            ex.notify("client.connected", null, who.hash(), ClientConnectedRequest.newBuilder()
                    .setClientinfo(who.clientInfo()).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onClientConnected);
        }
    }

    /** The connection of a connected client closed: {@code client.disconnected}, and for a clean session {@code session.terminated}. */
    public void disconnected(String reason, boolean sessionEnds) {
        if (off()) {
            return;
        }
        if (ex.hooked("client.disconnected")) {
            ex.notify("client.disconnected", null, who.hash(), ClientDisconnectedRequest.newBuilder()
                    .setClientinfo(who.clientInfo()).setReason(reason).setMeta(ex.meta).build(),
                    HookProviderGrpc.HookProviderStub::onClientDisconnected);
        }
        if (sessionEnds && ex.hooked("session.terminated")) {
            ex.notify("session.terminated", null, who.hash(), SessionTerminatedRequest.newBuilder()
                    .setClientinfo(who.clientInfo()).setReason(reason).setMeta(ex.meta).build(),
                    HookProviderGrpc.HookProviderStub::onSessionTerminated);
        }
        queue.clear();
    }

    /** A clean session replaced this client's persistent one: {@code session.discarded}. */
    public void sessionDiscarded(String finalClientId) {
        if (off() || !ex.hooked("session.discarded")) {
            return;
        }
        who.clientId(finalClientId);
        ex.notify("session.discarded", null, who.hash(), SessionDiscardedRequest.newBuilder().setClientinfo(who.clientInfo())
                .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionDiscarded);
    }

    /** Another connection took this client's session over: {@code session.takenover}. Any thread. */
    public void sessionTakenOver() {
        if (off() || !ex.hooked("session.takenover")) {
            return;
        }
        ex.notify("session.takenover", null, who.hash(), SessionTakenoverRequest.newBuilder().setClientinfo(who.clientInfo())
                .setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onSessionTakenover);
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE -------------------------------------------------------------------------------------

    /** {@code client.subscribe} with every filter asked for, then {@code session.subscribed} per granted filter. */
    public void subscribed(MqttSubscribeMessage asked, Map<String, Integer> granted) {
        if (off()) {
            return;
        }
        if (ex.hooked("client.subscribe")) {
            ClientSubscribeRequest.Builder b = ClientSubscribeRequest.newBuilder().setClientinfo(who.clientInfo()).setMeta(ex.meta);
            for (MqttTopicSubscription t : asked.payload().topicSubscriptions()) {
                b.addTopicFilters(TopicFilter.newBuilder().setName(t.topicName()).setQos(t.qualityOfService().value()));
            }
            ex.notify("client.subscribe", null, who.hash(), b.build(), HookProviderGrpc.HookProviderStub::onClientSubscribe);
        }
        if (ex.hooked("session.subscribed")) {
            granted.forEach((f, q) -> ex.notify("session.subscribed", null, who.hash(), SessionSubscribedRequest.newBuilder()
                    .setClientinfo(who.clientInfo()).setTopic(f).setSubopts(SubOpts.newBuilder().setQos(q)).setMeta(ex.meta)
                    .build(), HookProviderGrpc.HookProviderStub::onSessionSubscribed));
        }
    }

    /** {@code client.unsubscribe} with every filter, then {@code session.unsubscribed} per removed one. */
    public void unsubscribed(List<String> asked, List<String> removed) {
        if (off()) {
            return;
        }
        if (ex.hooked("client.unsubscribe")) {
            ClientUnsubscribeRequest.Builder b = ClientUnsubscribeRequest.newBuilder().setClientinfo(who.clientInfo()).setMeta(ex.meta);
            asked.forEach(f -> b.addTopicFilters(TopicFilter.newBuilder().setName(f)));
            ex.notify("client.unsubscribe", null, who.hash(), b.build(), HookProviderGrpc.HookProviderStub::onClientUnsubscribe);
        }
        if (ex.hooked("session.unsubscribed")) {
            removed.forEach(f -> ex.notify("session.unsubscribed", null, who.hash(), SessionUnsubscribedRequest.newBuilder()
                    .setClientinfo(who.clientInfo()).setTopic(f).setMeta(ex.meta).build(),
                    HookProviderGrpc.HookProviderStub::onSessionUnsubscribed));
        }
    }

    /**
     * A SUBSCRIBE, when some server hooks {@code client.authorize}: each filter's hub verdict ({@code hubPermits})
     * goes through the chain, one filter after the other; {@code then} gets the filters allowed, on the event loop.
     * Returns false when no server hooks it (the hub's verdicts stand).
     */
    public boolean authorizeSubscribe(MqttSubscribeMessage msg, Predicate<String> hubPermits, Consumer<Set<String>> then) {
        return !off() && chain.authorizeSubscribe(msg, hubPermits, then);
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
        return !off() && chain.publish(topic, payload, qos, retain, packetId, hubPermits, then);
    }

    // ---- message notifications ---------------------------------------------------------------------------------------

    private io.emqx.exhook.Message message(io.baetyl.hub.broker.Message m, int qos) {
        return io.emqx.exhook.Message.newBuilder().setNode(ex.node).setId(nextMessageId()).setQos(qos)
                .setFrom(m.clientId == null ? "" : m.clientId).setTopic(m.topic).setPayload(ByteString.copyFrom(m.payload))
                .setTimestamp(m.timestamp).build();
    }

    /** A message is sent to this client (not for resends): {@code message.delivered}, per the servers' topic filters. */
    public void delivered(io.baetyl.hub.broker.Message m, int qos) {
        if (off() || !ex.hooked("message.delivered", m.topic)) {
            return;
        }
        ex.notify("message.delivered", m.topic, who.hash(), MessageDeliveredRequest.newBuilder().setClientinfo(who.clientInfo())
                .setMessage(message(m, qos)).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onMessageDelivered);
    }

    /**
     * Some server hooks {@code message.acked} (for some topic): only then does the caller look up the acknowledged
     * message and call {@link #acked}.
     */
    public boolean wantsAcked() {
        return !off() && ex.hooked("message.acked");
    }

    /** This client acknowledged a delivery (PUBACK of QoS 1, first PUBREC of QoS 2, as EMQX): {@code message.acked}, per topic filter. */
    public void acked(io.baetyl.hub.broker.Message m, int qos) {
        if (off() || !ex.hooked("message.acked", m.topic)) {
            return;
        }
        ex.notify("message.acked", m.topic, who.hash(), MessageAckedRequest.newBuilder().setClientinfo(who.clientInfo())
                .setMessage(message(m, qos)).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onMessageAcked);
    }

    /**
     * Some server hooks {@code message.dropped} for {@code topic}: only then does the caller find out whether the
     * message reaches anyone.
     */
    public boolean wantsDropped(String topic) {
        return !off() && ex.hooked("message.dropped", topic);
    }

    /**
     * {@code message.dropped} with EMQX's reason: {@code no_subscribers} (published, nobody subscribed) or
     * {@code queue_full} (a QoS 0 message a slow subscriber's queue gave up). Any thread.
     */
    public void dropped(io.baetyl.hub.broker.Message m, String reason) {
        if (off() || !ex.hooked("message.dropped", m.topic)) {
            return;
        }
        ex.notify("message.dropped", m.topic, who.hash(), MessageDroppedRequest.newBuilder().setMessage(message(m, m.qos))
                .setReason(reason).setMeta(ex.meta).build(), HookProviderGrpc.HookProviderStub::onMessageDropped);
    }
}
