package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.Metrics;
import io.baetyl.hub.broker.Subscriber;
import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A session's QoS 0 deliveries: the topic tree hands each message to {@link #deliverQos0} on the publisher's thread,
 * it waits in the session's bounded {@link Qos0Queue} and is written on the channel's event loop while the channel is
 * writable.
 *
 * <p>Apart from {@link Outbox} because QoS 0 shares none of the QoS 1 machinery (log cursor, in-flight window, offset):
 * it only waits for retained messages owed to go first and uses the outbox's deliverability check. It is itself the
 * session's {@link Subscriber}, so a routed message reaches its queue with no hop through the outbox.
 */
final class Qos0Outbox implements Subscriber {
    private final Session session;
    private final Outbox outbox;
    private final Channel ch;
    private final Metrics metrics;
    // filled by publishers' threads, drained on this loop
    private final Qos0Queue q0;
    private final AtomicBoolean q0Scheduled = new AtomicBoolean();

    Qos0Outbox(Session session, Outbox outbox, Broker broker, Channel ch) {
        this.session = session;
        this.outbox = outbox;
        this.ch = ch;
        this.metrics = broker.metrics();
        var limits = broker.limits();
        this.q0 = new Qos0Queue(limits.qos0SessionCountMax(), limits.qos0SessionSizeMax(), broker.qos0Budget(), metrics);
        this.q0.owner = session.clientId();
        if (session.hooks != io.baetyl.hub.exhook.ClientHooks.NONE) {
            this.q0.onDrop = m -> session.hooks.dropped(m, "queue_full"); // ExHook message.dropped
        }
    }

    /** Called on the publisher's thread: queues the message (within the budgets) and schedules a drain. */
    @Override
    public void deliverQos0(Message m) {
        if (q0.offer(m) && q0Scheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(this::drain);
        }
    }

    /** Writes what waits while the channel is writable; retained messages owed after a SUBSCRIBE go first. */
    void drain() {
        q0Scheduled.set(false);
        if (!session.connected()) {
            if (session.ended()) {
                q0.clear();
            }
            return;
        }
        if (!outbox.retainedOwed.isEmpty()) {
            return; // retained messages first; drainRetained comes back here
        }
        int n = 0;
        Message m;
        while (ch.isWritable() && (m = q0.poll()) != null) {
            int match = session.hasOptions() ? session.match(m) : 0;
            if (match < 0) {
                continue; // a no-local subscription and the client's own message
            }
            List<Integer> subIds = session.subscriptionIds(m);
            if (!outbox.deliverable(m, 0, subIds.size())) {
                continue; // expired, or too large for the client
            }
            boolean retain = m.retain && (match & SubscriptionOptions.MATCH_RETAIN) != 0;
            ch.write(session.protocol.publish(m, 0, 0, false, retain, subIds), ch.voidPromise());
            session.events.delivered(session, m, 0);
            session.hooks.delivered(m, 0);
            n++;
        }
        if (n > 0) {
            metrics.messagesOutQos0.add(n);
            ch.flush();
        }
        if (!q0.isEmpty() && ch.isWritable() && q0Scheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(this::drain);
        }
    }

    /** The session ended: queued messages give their bytes back. */
    void clear() {
        q0.clear();
    }
}
