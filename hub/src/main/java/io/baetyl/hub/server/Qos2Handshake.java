package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.Message;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttMessageType;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's side of QoS 2 towards a client, for deliveries in the {@link Outbox}'s in-flight window: PUBREC marks a
 * delivery released (for a persistent session durably, before the PUBREL goes out), PUBCOMP ends it, and a restored
 * session's deliveries go out again with their packet ids. Event-loop only.
 */
final class Qos2Handshake {
    private static final Logger log = LoggerFactory.getLogger(Qos2Handshake.class);

    private final Session session;
    private final Broker broker;
    private final Channel ch;
    private final InflightWindow inflight;
    private final Outbox outbox;
    /** QoS 2 deliveries whose PUBREC came in this socket read: PUBREL goes out once their state is saved. */
    private List<Integer> releasing;

    Qos2Handshake(Session session, Broker broker, Channel ch, InflightWindow inflight, Outbox outbox) {
        this.session = session;
        this.broker = broker;
        this.ch = ch;
        this.inflight = inflight;
        this.outbox = outbox;
    }

    /**
     * QoS 2, step 2: the client has the message. It is released (PUBREL) at the end of this socket read, after a
     * persistent session's state says so durably: from then on a restart resends PUBREL, never the message.
     */
    void onPubRec(int pid) {
        InflightWindow.Entry e = inflight.get(pid);
        if (e != null && e.qos == 2 && !e.released) {
            e.released = true;
            e.sentAt = System.nanoTime();
            outbox.ackedHook(e);
            if (session.persistent && e.seq > 0) {
                session.qos2.sent.remove(pid);
                session.qos2.released.put(pid, e.seq);
            }
        } else if (e != null && e.qos != 2) {
            log.debug("PUBREC for a QoS 1 delivery ignored: clientId={}, packetId={}", session.clientId(), pid);
            return;
        }
        // unknown: released before (a resent PUBREC) or completed; PUBREL again, the client answers PUBCOMP
        if (releasing == null) {
            releasing = new ArrayList<>();
        }
        releasing.add(pid);
    }

    /** Saves the released state (one commit for the socket read), then sends the PUBRELs. */
    void sendReleases() {
        if (releasing == null || releasing.isEmpty()) {
            return;
        }
        if (session.persistent) {
            session.qos2Saver.now();
        }
        for (int pid : releasing) {
            ch.write(session.protocol.ack(MqttMessageType.PUBREL, pid), ch.voidPromise());
        }
        releasing.clear();
        ch.flush();
    }

    /** QoS 2, step 3: delivered exactly once; the delivery leaves the window. */
    void onPubComp(int pid) {
        InflightWindow.Entry e = inflight.complete(pid);
        if (e == null) {
            return;
        }
        if (session.persistent && e.seq > 0) {
            session.qos2.released.remove(pid);
            session.qos2.completed.add(e.seq); // until the offset passes it (saveOffset)
        }
        outbox.acknowledged(pid);
        if (session.persistent && e.seq > 0) {
            session.qos2Saver.soon();
        }
    }

    /**
     * A persistent session's QoS 2 deliveries in flight when it was saved go out again first, with their packet ids:
     * PUBREL for the released ones, the message with DUP for the others (unless it expired meanwhile).
     */
    void restore() {
        var q2 = session.qos2;
        // the cursor must get past these (completed ones too) for the offset to move: see Outbox#hasRoomAt
        long upTo = q2.completed.isEmpty() ? -1 : q2.completed.last();
        for (long seq : q2.released.values()) {
            upTo = Math.max(upTo, seq);
        }
        for (long seq : q2.sent.values()) {
            upTo = Math.max(upTo, seq);
        }
        outbox.restoredUpTo = upTo;
        if (q2.sent.isEmpty() && q2.released.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        q2.released.forEach((pid, seq) -> {
            inflight.restore(pid, seq, true, now);
            ch.write(session.protocol.ack(MqttMessageType.PUBREL, pid), ch.voidPromise());
        });
        q2.sent.entrySet().removeIf(e -> {
            Message m = broker.read(e.getValue());
            if (m == null) {
                return true;
            }
            inflight.restore(e.getKey(), e.getValue(), false, now);
            ch.write(session.protocol.publish(m, 2, e.getKey(), true, false), ch.voidPromise());
            return false;
        });
        outbox.scheduleResend();
        ch.flush();
    }
}
