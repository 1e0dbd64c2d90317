package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.MessageProperties;
import io.baetyl.hub.broker.Metrics;
import io.baetyl.hub.broker.NotStoredException;
import io.baetyl.hub.exhook.HookedPublish;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a session receives: PUBLISH from the client. QoS 0 is routed at once; QoS 1 and 2 are appended to the log during
 * a socket read and acknowledged together at its end ({@link #ackPersisted()}), after the one flush that makes them
 * durable. A QoS 2 packet id is remembered from the first PUBLISH until its PUBREL, so a resent PUBLISH is stored once.
 * Event-loop only.
 */
final class Inbox {
    private static final Logger log = LoggerFactory.getLogger(Inbox.class);
    private static final int QOS2_FLAG = 0x10000;

    private final Session session;
    private final Broker broker;
    private final Channel ch;
    private final Metrics metrics;
    private final Set<String> permittedTopics = new HashSet<>();

    // appended to the log during this socket read, acknowledged at its end (packet id, | QOS2_FLAG for QoS 2)
    private int[] unacked = new int[16];
    private int unackedCount;
    private long unackedEpoch;
    /** QoS 1 publishes among {@link #unacked} (QoS 2 ones are in the session's received packet ids already). */
    private int unackedQos1;

    Inbox(Session session, Broker broker, Channel ch) {
        this.session = session;
        this.broker = broker;
        this.ch = ch;
        this.metrics = broker.metrics();
    }

    void onPublish(MqttPublishMessage msg) {
        String topic = session.protocol.inboundTopic(msg);
        if (topic == null) {
            log.warn("closing connection: clientId={}, reason=protocol violation: topic alias unknown or out of range",
                    session.clientId());
            session.closeConnection(Disconnect.TOPIC_ALIAS_INVALID);
            return;
        }
        int qos = msg.fixedHeader().qosLevel().value();
        int pid = msg.variableHeader().packetId();
        if (qos > 0 && !(qos == 2 && session.qos2.received.containsKey(pid))
                && session.protocol.exceedsReceiveMaximum(session.qos2.received.size() + unackedQos1)) {
            // MQTT 5 §3.3.4: more unacknowledged publishes than the hub's Receive Maximum allows
            log.warn("closing connection: clientId={}, reason=receive maximum exceeded ({} unacknowledged QoS 1/2 publishes)",
                    session.clientId(), session.qos2.received.size() + unackedQos1);
            session.closeConnection(Disconnect.RECEIVE_MAXIMUM_EXCEEDED);
            return;
        }
        boolean retain = msg.fixedHeader().isRetain();
        String refused = permittedTopics.contains(topic) ? null : session.authorizePublish(topic);
        if ("invalid".equals(refused)) {
            refuse(topic, refused);
            return;
        }
        ByteBuf content = msg.content();
        byte[] payload = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
        // MQTT 5: what travels to the subscribers (3.1.1 has no properties: null)
        MessageProperties props = PublishProperties.from(msg.variableHeader().properties());
        if (qos == 2 && refused == null && isResent(pid, new Message(topic, payload, qos, retain, session.clientId()))) {
            // a resent PUBLISH before its PUBREL: stored already (and seen by the hooks), answered again
            metrics.messagesInQos1.increment();
            ch.writeAndFlush(session.protocol.ack(MqttMessageType.PUBREC, pid));
            return;
        }
        // ExHook client.authorize and message.publish; the result comes back in onHookedPublish, in publish order
        if (session.hooks.publish(topic, payload, qos, retain, pid, refused == null, p -> onHookedPublish(p, props))) {
            return;
        }
        if (refused != null) {
            refuse(topic, refused);
            return;
        }
        if (permittedTopics.size() < 10_000) {
            permittedTopics.add(topic);
        }
        publish(new Message(topic, payload, qos, retain, session.clientId(), props), qos, pid);
    }

    /**
     * Stops reading this client while the retained messages' write-behind buffer is full: its retained messages then
     * wait in its socket, and its event loop's other clients go on (see {@link io.baetyl.hub.broker.RetainedStore}).
     */
    private void pauseWhileRetainedUnwritten() {
        if (!broker.retained().full()) {
            return;
        }
        ReadGate gate = ReadGate.of(ch);
        if (gate.holds(ReadGate.Reason.RETAINED_WRITES)) {
            return;
        }
        gate.pause(ReadGate.Reason.RETAINED_WRITES);
        broker.retained().whenWritten(() -> ch.eventLoop().execute(() -> gate.resume(ReadGate.Reason.RETAINED_WRITES)),
                session.clientId());
    }

    private void refuse(String topic, String why) {
        log.warn("closing connection: clientId={}, reason=publish topic ({}) {}", session.clientId(), topic, why);
        session.closeConnection();
    }

    /** A PUBLISH back from the ExHook chain (on this loop): refused, dropped (still acknowledged), or published. */
    private void onHookedPublish(HookedPublish p, MessageProperties props) {
        if (!session.connected()) {
            return;
        }
        switch (p.verdict()) {
            case NOT_AUTHORIZED -> refuse(p.topic(), "not permitted");
            case DROP -> {
                log.debug("publish dropped by exhook: clientId={}, topic={}", session.clientId(), p.topic());
                acknowledgeNow(p.clientQos(), p.packetId());
            }
            case PUBLISH -> {
                publish(new Message(p.topic(), p.payload(), p.qos(), p.retain(), session.clientId(), props), p.clientQos(),
                        p.packetId());
                ackPersisted();
            }
        }
    }

    private void acknowledgeNow(int clientQos, int pid) {
        if (clientQos > 0) {
            ch.writeAndFlush(session.protocol.ack(clientQos == 2 ? MqttMessageType.PUBREC : MqttMessageType.PUBACK, pid));
        }
    }

    /**
     * Routes message {@code m} that the client sent at {@code clientQos} as packet {@code pid}. The two QoS differ
     * only when an ExHook server rewrote it: the client is answered for what it sent, the message stored for its own.
     */
    private void publish(Message m, int clientQos, int pid) {
        int qos = m.qos;
        if (clientQos == 0 && qos > 0) {
            // raised by a hook: stored like any QoS 1 message; there is no packet to acknowledge
            metrics.messagesInQos1.increment();
            try {
                broker.appendQos1(m);
                broker.flushQos1();
                noSubscribers(m);
            } catch (NotStoredException e) {
                notStored(1, e.getMessage());
            }
            return;
        }
        if (qos == 0) {
            metrics.messagesInQos0.increment();
            m = session.messagePublish(m);
            if (m != null) {
                broker.publish(m, null);
                noSubscribers(m);
                if (m.retain) {
                    pauseWhileRetainedUnwritten();
                }
            }
            acknowledgeNow(clientQos, pid); // only when a hook lowered the QoS: the client still waits for its ack
            return;
        }
        metrics.messagesInQos1.increment();
        if (clientQos == 2 && isResent(pid, m)) {
            // a resent PUBLISH before its PUBREL: stored already, answered again
            ch.writeAndFlush(session.protocol.ack(MqttMessageType.PUBREC, pid));
            return;
        }
        m = session.messagePublish(m);
        int packed = clientQos == 2 ? pid | QOS2_FLAG : pid;
        if (m != null) {
            if (unackedCount == 0) {
                unackedEpoch = broker.qos1Epoch();
            }
            try {
                if (clientQos == 2) {
                    // the packet id is on record (for a persistent session: committed before the log write that
                    // makes the message durable): whatever a crash leaves, a resent PUBLISH is stored once
                    broker.appendQos1(m, seq -> received(pid, seq));
                } else {
                    broker.appendQos1(m);
                }
            } catch (NotStoredException e) {
                ackPersisted(); // what this read stored before is acknowledged
                notStored(1, e.getMessage());
                return;
            }
            noSubscribers(m);
        }
        if (unacked.length == unackedCount) {
            unacked = Arrays.copyOf(unacked, unackedCount * 2);
        }
        unacked[unackedCount++] = packed;
        if (clientQos == 1) {
            unackedQos1++;
        }
    }

    /**
     * ExHook {@code message.dropped} with EMQX's {@code no_subscribers}: nobody subscribed to the message, neither
     * online nor a persistent session's subscription (QoS 1 and 2). Looked up only when a server hooks it.
     */
    private void noSubscribers(Message m) {
        if (session.hooks.wantsDropped(m.topic) && !broker.hasSubscriber(m.topic, m.qos)) {
            session.hooks.dropped(m, "no_subscribers");
        }
    }

    /**
     * Flushes the QoS 1 log once for everything this socket read published, then sends the PUBACKs (PUBRECs for QoS
     * 2): an ack always follows the write that makes the message durable.
     */
    void ackPersisted() {
        if (unackedCount == 0) {
            return;
        }
        int n = unackedCount;
        unackedCount = 0;
        unackedQos1 = 0;
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
        // The flush queued the deliveries to the subscribers on this loop as tasks; the acks are queued behind them, so
        // a subscriber's PUBLISH goes out before the publisher's PUBACK (the order Mosquitto sends them in) and the
        // publisher's wake-up does not delay the subscriber's message. Queued in order, acks keep the order received.
        int[] ids = Arrays.copyOf(unacked, n);
        ch.eventLoop().execute(() -> writeAcks(ids, n));
        if (unacked.length > 64) {
            unacked = new int[16];
        }
    }

    private void writeAcks(int[] packedIds, int n) {
        if (!ch.isActive()) {
            return;
        }
        for (int i = 0; i < n; i++) {
            int packed = packedIds[i];
            MqttMessageType type = (packed & QOS2_FLAG) != 0 ? MqttMessageType.PUBREC : MqttMessageType.PUBACK;
            ch.write(session.protocol.ack(type, packed & 0xFFFF), ch.voidPromise());
        }
        ch.flush();
    }

    /** QoS 1 publishes that could not be stored: no PUBACK, and the connection is closed so the client resends later. */
    private void notStored(int n, String why) {
        metrics.refusedQos1.add(n);
        if (session.connected() && ch.isActive()) {
            log.warn("closing connection: clientId={}, remote={}, reason=QoS 1 publish not stored, not acknowledged ({} messages): {}",
                    session.clientId(), session.remote, n, why);
            session.closeConnection();
        }
    }

    /**
     * True if QoS 2 packet {@code pid} was stored before and not released, and this PUBLISH is that message again. A
     * packet id on record with a different message means the record is older than the client's PUBREL (a restart
     * lost that) and the packet id was reused: a new message.
     */
    private boolean isResent(int pid, Message m) {
        Long seq = session.qos2.received.get(pid);
        if (seq == null) {
            return false;
        }
        Message stored = broker.read(seq);
        // not readable (a failed log write took it back): stored again rather than lost
        return stored != null && stored.topic.equals(m.topic) && Arrays.equals(stored.payload, m.payload);
    }

    private void received(int pid, long seq) {
        session.qos2.received.put(pid, seq);
        if (session.persistent) {
            session.qos2Saver.pending(); // written by the log's flush, before the message (see Broker#appendQos1)
        }
    }

    /** QoS 2, step 2 in: the client will not send this message again; the packet id is free. */
    void onPubRel(int pid) {
        if (session.qos2.received.remove(pid) != null && session.persistent) {
            session.qos2Saver.soon();
        }
        ch.writeAndFlush(session.protocol.ack(MqttMessageType.PUBCOMP, pid));
    }
}
