package io.baetyl.hub.broker;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.persist.MessageLog;
import io.baetyl.hub.persist.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the QoS 1 log and keeps the store committed.
 *
 * <p>QoS 1 publishes are appended and flushed by the publisher's own event-loop thread: a connection appends what one
 * socket read delivered and calls {@link #flush()} once at the end of the read, and sends its PUBACKs after that. A
 * flush is one {@code write} to the log file (see {@link io.baetyl.hub.persist.FileMessageLog} for why that is
 * durable against a crash of the process), so a PUBACK means the message is safe, and the message reaches the
 * subscribers' sessions with one thread hand-off instead of two (the first version queued every publish to a
 * persister thread, which cost a wake-up on the way in and another on the way back). A batch that holds a retained
 * message also commits the store before its acks, so the retained state is as durable as the message. Routed QoS 1
 * copies are appended and flushed in the same call; the route offset moves past a message only once its copies are in
 * the log, so a crash re-routes rather than loses.
 *
 * <p>The thread {@code hub-store} commits the small state (offsets, subscriptions, wills) every {@value #COMMIT_EVERY_MS}
 * ms when it changed, and runs the retention cleanup. A MapDB commit forces its write-ahead log to the disk and can
 * take milliseconds; keeping it off the publish path is what keeps QoS 1 latency low. An offset that had not been
 * committed when the hub crashed only means that those messages are delivered again (at least once).
 */
final class Persister {
    private static final Logger log = LoggerFactory.getLogger(Persister.class);
    static final long COMMIT_EVERY_MS = 100;

    private final Broker broker;
    private final Store store;
    private final MessageLog messages;
    private final HubConfig config;
    private final boolean routes;
    private final Thread storeThread;
    // guarded by this
    private final List<Message> pending = new ArrayList<>();
    private long lastSeq;
    private long routedUpTo;
    private long routeOffsetSaved = -1;
    private boolean retainedPending;
    private volatile boolean storeStopping;

    Persister(Broker broker, Store store, HubConfig config, long lastSeq, long routedUpTo) {
        this.broker = broker;
        this.store = store;
        this.messages = store.log();
        this.config = config;
        this.routes = broker.hasRoutes();
        this.lastSeq = lastSeq;
        this.routedUpTo = Math.min(routedUpTo, lastSeq);
        this.storeThread = new Thread(this::storeLoop, "hub-store");
        storeThread.setDaemon(true);
    }

    void start() {
        recoverRoutes();
        storeThread.start();
    }

    /** Re-routes logged messages that a crash left unrouted. */
    private synchronized void recoverRoutes() {
        if (!routes || routedUpTo >= lastSeq) {
            routedUpTo = lastSeq;
            return;
        }
        int n = 0;
        long end = lastSeq;
        for (long seq = routedUpTo + 1; seq <= end; seq++) {
            byte[] data = messages.get(seq);
            if (data != null) {
                broker.routeLogged(Message.decode(data, seq), this::appendLocked);
                n++;
            }
        }
        log.info("re-routing logged messages after restart: messages={}, copies={}", n, pending.size());
        routedUpTo = end;
        flush();
    }

    /** Appends a QoS 1 message to the log; it is durable, and visible to readers, after the next {@link #flush()}. */
    synchronized void append(Message m) {
        appendLocked(m);
    }

    private void appendLocked(Message m) {
        Message logged = m.withSeq(++lastSeq);
        messages.append(logged.seq, logged.timestamp, logged.encode());
        retainedPending |= logged.retain;
        pending.add(logged);
    }

    /** Makes everything appended so far durable, then hands it to the readers and routes it. */
    synchronized void flush() {
        while (!pending.isEmpty()) {
            messages.flush();
            List<Message> batch = new ArrayList<>(pending);
            pending.clear();
            if (retainedPending) {
                // retained state changes with the commit of its message (see Broker#retainedMatching)
                retainedPending = false;
                for (Message m : batch) {
                    if (m.retain) {
                        broker.retain(m);
                    }
                }
                broker.takeDirty();
                store.commit();
            }
            broker.metrics().persisted.add(batch.size());
            broker.committed(batch, lastSeq);
            if (routes) {
                for (Message m : batch) {
                    broker.routeLogged(m, this::appendLocked);
                }
            }
        }
        if (routes && routeOffsetSaved != lastSeq) {
            // every copy routed from messages up to lastSeq is in the log now
            routedUpTo = lastSeq;
            routeOffsetSaved = lastSeq;
            broker.saveOffset(Broker.RULE_TOPIC_OFFSET, lastSeq);
        }
    }

    synchronized <T> T locked(Supplier<T> action) {
        return action.get();
    }

    void stop(long timeout, TimeUnit unit) {
        flush();
        storeStopping = true;
        LockSupport.unpark(storeThread);
        try {
            storeThread.join(Math.max(1, unit.toMillis(timeout)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void storeLoop() {
        long cleanupEvery = config.message.ingress.qos1.cleanup.interval.toMillis();
        long nextCleanup = System.currentTimeMillis() + cleanupEvery;
        while (true) {
            boolean last = storeStopping;
            try {
                boolean work = broker.flushOffsets() | broker.takeDirty();
                if (work) {
                    store.commit();
                }
                long now = System.currentTimeMillis();
                if (now >= nextCleanup) {
                    cleanup(now);
                    nextCleanup = now + cleanupEvery;
                }
            } catch (RuntimeException e) {
                log.error("store commit failed", e);
            }
            if (last) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(COMMIT_EVERY_MS, cleanupEvery)));
        }
    }

    /** Deletes logged messages older than {@code cleanup.retention}. */
    private void cleanup(long now) {
        long removed = messages.removeOlderThan(now - config.message.ingress.qos1.cleanup.retention.toMillis());
        if (removed > 0) {
            log.info("cleaned up expired QoS 1 messages: removed={}, retention={}", removed,
                    config.message.ingress.qos1.cleanup.retention);
        }
    }
}
