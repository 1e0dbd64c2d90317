package io.baetyl.hub.server;

import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.LogReader;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.Metrics;
import io.baetyl.hub.config.HubConfig;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a session sends: QoS 0 messages routed to it ({@link Qos0Outbox}), the QoS 1 log read from its cursor, and
 * retained messages owed after a SUBSCRIBE; resends are {@link Resender}'s. Everything except
 * {@link Qos0Outbox#deliverQos0} and {@link #signalLog} runs on the channel's event loop.
 *
 * <p>Outgoing QoS 1 works like baetyl-hub: the session reads the broker's log from its cursor, sends what matches its
 * subscriptions while fewer than {@code message.egress.qos1.buffer.size} are unacknowledged, resends with DUP every
 * {@code retry.interval}, and its acknowledged offset (everything before the oldest unacknowledged message) is what a
 * persistent session resumes from. An unacknowledged delivery holds the message's log position, not its payload:
 * a resend reads it back. Retained messages owed after a SUBSCRIBE ({@link RetainedDelivery}) and QoS 0 messages
 * ({@link Qos0Queue}) wait within their budgets; everything is written only while the channel is writable, so a
 * client that stops reading holds at most Netty's write buffer high-water mark of the hub's memory.
 */
final class Outbox implements LogReader {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final Session session;
    private final Broker broker;
    private final Channel ch;
    private final Metrics metrics;
    private final HubConfig config;
    private final long retryNanos;

    /** QoS 0: filled by publishers' threads, drained on this loop; what the topic tree routes to. */
    final Qos0Outbox qos0;
    final RetainedDelivery retainedOwed = new RetainedDelivery();
    private final AtomicBoolean logScheduled = new AtomicBoolean();

    // QoS 1 from the log
    long cursor;
    private long savedOffset = -1;
    /** What {@link #consumedUpTo()} tells the store thread (which frees the log up to the slowest reader). */
    private volatile long consumed;
    private final InflightWindow inflight;
    private final int windowSize;
    private ScheduledFuture<?> retryTask;
    private final Resender resender;
    /** PUBACKs came in this socket read: {@link #readComplete()} refills the window and saves the offset. */
    private boolean acksInRead;
    /** PUBREC, PUBREL, PUBCOMP of the QoS 2 deliveries in {@link #inflight}. */
    final Qos2Handshake qos2;
    /** QoS 2 deliveries written but not yet on record (drainLog saves them before it flushes). */
    private boolean unsavedQos2;
    /**
     * The newest log position among a restored session's QoS 2 deliveries (in flight or completed above the offset);
     * the cursor reads up to it regardless of the window, see {@link #hasRoomAt}.
     */
    long restoredUpTo = -1;
    /** A message too large for this client was logged (once per connection). */
    private boolean loggedTooLarge;

    Outbox(Session session, Broker broker, Channel ch) {
        this.session = session;
        this.broker = broker;
        this.ch = ch;
        this.metrics = broker.metrics();
        this.config = broker.config();
        this.qos0 = new Qos0Outbox(session, this, broker, ch);
        this.windowSize = Math.min(config.message.egress.qos1.buffer.size, session.protocol.receiveMaximum());
        this.inflight = new InflightWindow(windowSize);
        this.qos2 = new Qos2Handshake(session, broker, ch, inflight, this);
        this.retryNanos = config.message.egress.qos1.retry.interval.toNanos();
        this.resender = new Resender(session, this, broker, ch, inflight, retryNanos);
    }

    /** Starts reading the log from {@code from} (nothing before it is owed). */
    void startReading(long from) {
        cursor = Math.max(cursor, from);
        consumed = cursor;
        broker.addReader(this);
    }

    void stopReading() {
        broker.removeReader(this);
    }

    /** The channel can take more: what waits goes out, retained messages first. */
    void writable() {
        drainRetained();
        qos0.drain();
        drainLog();
    }

    // ---- the log ------------------------------------------------------------------------------------------------------

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
    void drainLog() {
        if (!session.connected() || !session.hasSubscriptions() || !retainedOwed.isEmpty()) {
            return;
        }
        long end = broker.committedSeq();
        int batch = config.message.egress.qos1.batch.max;
        int sent = 0;
        int read = 0;
        long now = System.nanoTime();
        while (cursor < end && hasRoomAt(cursor + 1) && ch.isWritable()) {
            if (read >= batch) {
                // yield to other channels on this loop; continue in a fresh task
                signalLog();
                break;
            }
            long seq = cursor + 1;
            Message m = broker.read(seq);
            cursor = seq;
            read++;
            if (m == null || session.qos2.isKnown(seq)) {
                continue; // gone, or a QoS 2 delivery restored with its state
            }
            int match = session.match(m);
            if (match < 0) {
                continue;
            }
            boolean retain = m.retain && (match & SubscriptionOptions.MATCH_RETAIN) != 0;
            if (send(m, Math.min(SubscriptionOptions.qos(match), m.qos), seq, null, retain, now)) {
                sent++;
            }
        }
        if (sent > 0) {
            if (unsavedQos2) {
                unsavedQos2 = false;
                session.qos2Saver.now(); // the packet ids are on record before the PUBLISHes leave
            }
            ch.flush();
        }
        saveOffset();
    }

    /**
     * Room for one more QoS 1 or 2 delivery: unacknowledged deliveries plus QoS 2 deliveries completed above the offset
     * (which the session must remember) stay within {@code message.egress.qos1.buffer.size}.
     */
    private boolean hasRoom() {
        return inflight.size() + session.qos2.completed.size() < windowSize;
    }

    /**
     * Room to read log position {@code seq}. Up to {@link #restoredUpTo} the window does not apply: a restored
     * session's QoS 2 deliveries can fill the window while the cursor still stands at the saved offset, below them.
     * The offset cannot pass the cursor and completed deliveries above the offset keep their place in the window, so
     * if the cursor waited for room there, nothing would ever move again. What it reads up there was in the window
     * before the restart (skipped as known, or a QoS 1 delivery sent again), so the window is exceeded by at most that.
     */
    private boolean hasRoomAt(long seq) {
        return seq <= restoredUpTo || hasRoom();
    }

    /**
     * Writes a message at {@code qos}; a QoS 1 or 2 delivery enters the in-flight window (log position or retained
     * topic). False if it is not sent: expired, or larger than the client takes.
     */
    private boolean send(Message m, int qos, long seq, String retainedTopic, boolean retain, long now) {
        List<Integer> subIds = session.subscriptionIds(m);
        if (!deliverable(m, qos, subIds.size())) {
            return false;
        }
        if (qos == 0) {
            ch.write(session.protocol.publish(m, 0, 0, false, retain, subIds), ch.voidPromise());
            metrics.messagesOutQos0.increment();
        } else {
            int pid = inflight.add(seq, retainedTopic, qos, now);
            if (qos == 2 && seq > 0 && session.persistent) {
                session.qos2.sent.put(pid, seq);
                unsavedQos2 = true;
            }
            scheduleResend();
            ch.write(session.protocol.publish(m, qos, pid, false, retain, subIds), ch.voidPromise());
            metrics.messagesOutQos1.increment();
        }
        session.events.delivered(session, m, qos);
        session.hooks.delivered(m, qos);
        return true;
    }

    /**
     * MQTT 5: a message whose expiry interval has passed is not sent (§3.3.2.3.3), nor one whose PUBLISH exceeds the
     * client's maximum packet size (§3.1.2.11.4: dropped for this client, logged once per connection). Both counted.
     */
    boolean deliverable(Message m, int qos, int subscriptionIds) {
        if (m.props != null && m.expired(System.currentTimeMillis())) {
            metrics.messagesExpired.increment();
            return false;
        }
        if (!session.protocol.fits(m, qos, subscriptionIds)) {
            metrics.messagesTooLarge.increment();
            if (!loggedTooLarge) {
                loggedTooLarge = true;
                log.warn("message dropped for a client, larger than its maximum packet size: clientId={}, topic={}, "
                        + "bytes={} (further ones for this client are counted in messages_too_large, not logged)",
                        session.clientId(), m.topic, m.payload.length);
            }
            return false;
        }
        return true;
    }

    /**
     * Sends the retained messages owed since a SUBSCRIBE while the channel is writable (and, for QoS 1, the in-flight
     * window has room), reading each from the store; once all are out, what waited behind them follows.
     */
    void drainRetained() {
        if (!session.connected() || retainedOwed.isEmpty()) {
            return;
        }
        int sent = 0;
        RetainedDelivery.Owed o;
        while ((o = retainedOwed.peek()) != null && ch.isWritable()) {
            Message r = broker.retained().get(o.topic());
            int qos = r == null ? 0 : Math.min(r.qos, o.qos());
            if (qos >= 1 && !hasRoom()) {
                break; // onPubAck comes back here
            }
            retainedOwed.remove();
            if (r == null) {
                continue; // deleted since the SUBSCRIBE
            }
            if (send(r, qos, 0, r.topic, true, System.nanoTime())) {
                sent++;
            }
        }
        if (sent > 0) {
            ch.flush();
        }
        if (retainedOwed.isEmpty()) {
            qos0.drain();
            drainLog();
        }
    }

    // ---- in flight ----------------------------------------------------------------------------------------------------

    void scheduleResend() {
        if (retryTask == null) {
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), retryNanos / 2);
            retryTask = ch.eventLoop().scheduleAtFixedRate(resender::resend, period, period, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * A PUBACK: the delivery leaves the window. The refill and the offset wait for the end of the socket read
     * ({@link #readComplete()}): a client acknowledging many messages in one read gets the next ones in one write.
     */
    void onPubAck(int pid) {
        InflightWindow.Entry e = inflight.acknowledge(pid);
        if (e != null) {
            ackedHook(e);
            session.events.acked(session, pid);
            acksInRead = true;
        }
    }

    /** The socket read ended: what its PUBACKs made room for goes out (one flush), the offset moves once. */
    void readComplete() {
        if (acksInRead) {
            acksInRead = false;
            refill();
        }
    }

    /**
     * ExHook {@code message.acked}, when EMQX sends it: the PUBACK of a QoS 1 delivery, the (first) PUBREC of a QoS 2
     * one. The window holds the log position (or retained topic): the message is read back only if a server hooks it.
     */
    void ackedHook(InflightWindow.Entry e) {
        if (session.hooks.wantsAcked()) {
            Message m = e.retainedTopic != null ? broker.retained().get(e.retainedTopic) : broker.read(e.seq);
            if (m != null) {
                session.hooks.acked(m, e.qos);
            }
        }
    }

    /** A delivery left the window (QoS 2: PUBCOMP): at the read's end what waited for room follows (one flush). */
    void acknowledged(int pid) {
        session.events.acked(session, pid);
        acksInRead = true;
    }

    private void refill() {
        saveOffset(); // first: QoS 2 deliveries completed below the new offset leave the window
        if (!retainedOwed.isEmpty()) {
            drainRetained();
        } else if (cursor < broker.committedSeq() && session.hasSubscriptions()) {
            drainLog();
        }
    }


    int inflightCount() {
        return inflight.size();
    }

    // ---- offsets ------------------------------------------------------------------------------------------------------

    @Override
    public long consumedUpTo() {
        return consumed;
    }

    /** Everything before the oldest unacknowledged message is consumed; a persistent session stores that. */
    void saveOffset() {
        long off = inflight.ackedOffset(cursor);
        consumed = off;
        if (!session.persistent) {
            return;
        }
        if (off != savedOffset) {
            savedOffset = off;
            var q2 = session.qos2;
            if (q2.offset >= 0) { // the session has QoS 2 state on record: the offset is saved after it
                q2.completed.headSet(off, true).clear();
                session.qos2Saver.soon();
            } else {
                broker.saveOffset(session.clientId(), off);
            }
        }
    }

    /** The log position before the oldest unacknowledged delivery. */
    long ackedOffset() {
        return inflight.ackedOffset(cursor);
    }

    /** The session ended: nothing more is sent, queued QoS 0 messages give their bytes back. */
    void close() {
        if (retryTask != null) {
            retryTask.cancel(false);
        }
        qos0.clear();
        retainedOwed.clear();
        stopReading();
    }
}
