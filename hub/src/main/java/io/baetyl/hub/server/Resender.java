package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.Metrics;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttMessageType;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry timer's work for an {@link Outbox}: a QoS 1 or 2 delivery unacknowledged for {@code retry.interval} is
 * sent again with DUP (its message read back from the log or the retained store: the window holds only the position),
 * a released QoS 2 delivery gets its PUBREL again.
 *
 * <p>Apart from the outbox because it runs on a timer over the whole window, never per message; the outbox keeps the
 * sending, the window's refill and the offset, and schedules this ({@link Outbox#scheduleResend}).
 */
final class Resender {
    // logged as the outbox's own lines, so that operators see the same logger name as before the split
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final Session session;
    private final Outbox outbox;
    private final Broker broker;
    private final Channel ch;
    private final Metrics metrics;
    private final InflightWindow inflight;
    private final long retryNanos;

    Resender(Session session, Outbox outbox, Broker broker, Channel ch, InflightWindow inflight, long retryNanos) {
        this.session = session;
        this.outbox = outbox;
        this.broker = broker;
        this.ch = ch;
        this.metrics = broker.metrics();
        this.inflight = inflight;
        this.retryNanos = retryNanos;
    }

    /** Resends with DUP what waited {@code retry.interval} for its acknowledgement. */
    void resend() {
        if (!session.connected() || inflight.size() == 0) {
            return;
        }
        long now = System.nanoTime();
        int n = 0;
        boolean gone = false;
        for (Iterator<Map.Entry<Integer, InflightWindow.Entry>> it = inflight.iterator(); it.hasNext() && ch.isWritable(); ) {
            Map.Entry<Integer, InflightWindow.Entry> e = it.next();
            InflightWindow.Entry f = e.getValue();
            if (now - f.sentAt >= retryNanos && f.released) {
                f.sentAt = now;
                ch.write(session.protocol.ack(MqttMessageType.PUBREL, e.getKey()), ch.voidPromise());
                n++;
            } else if (now - f.sentAt >= retryNanos) {
                // read back: the log (or the retained store) holds the message, not this session
                Message m = f.retainedTopic != null ? broker.retained().get(f.retainedTopic) : broker.read(f.seq);
                if (m == null) {
                    it.remove(); // expired by retention, or the retained message was deleted: nothing left to resend
                    session.qos2.sent.remove(e.getKey());
                    gone = true;
                    continue;
                }
                f.sentAt = now;
                ch.write(session.protocol.publish(m, f.qos, e.getKey(), true, f.retainedTopic != null,
                        session.subscriptionIds(m)), ch.voidPromise());
                n++;
            }
        }
        if (gone) {
            outbox.saveOffset();
        }
        if (n > 0) {
            metrics.messagesResent.add(n);
            log.debug("resent unacknowledged messages: clientId={}, count={}", session.clientId(), n);
            ch.flush();
        }
    }
}
