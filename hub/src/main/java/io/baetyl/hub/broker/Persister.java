package io.baetyl.hub.broker;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.persist.LogFullException;
import io.baetyl.hub.persist.MessageLog;
import io.baetyl.hub.persist.Store;
import java.io.UncheckedIOException;
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
 * subscribers' sessions with one thread hand-off instead of two. A batch that holds a retained message also commits the
 * store before its acks, so the retained state is as durable as the message.
 *
 * <p>When the log cannot take a message (at its cap, or a failed write), {@link #append} or {@link #flush} throw
 * {@link NotStoredException}; a failed write takes back everything appended since the last flush and bumps
 * {@link #epoch()}, so that a connection whose messages were in that batch does not acknowledge them.
 *
 * <p>Routed QoS 1 copies ({@code subscriptions}) are appended and flushed in the same call. {@code routedUpTo} is the
 * last logged message whose copies are all appended; the route offset saved in the store is that position as of the
 * last flush, so a crash re-routes rather than loses. When a copy cannot be appended (the log is full), routing stops
 * there and the store thread catches up from that position, reading the log, once there is room again.
 *
 * <p>The thread {@code hub-store} commits the small state (offsets, subscriptions, wills) every {@value #COMMIT_EVERY_MS}
 * ms when it changed, deletes the log segments every consumer has read, and runs the retention cleanup. A MapDB commit
 * forces its write-ahead log to the disk and can take milliseconds; keeping it off the publish path is what keeps
 * QoS 1 latency low. An offset that had not been committed when the hub crashed only means that those messages are
 * delivered again (at least once).
 */
final class Persister {
    private static final Logger log = LoggerFactory.getLogger(Persister.class);
    static final long COMMIT_EVERY_MS = 100;
    private static final long FREE_EVERY_MS = 1000;
    /** Route copies appended by a catch-up before they are flushed (bounds the write buffer). */
    private static final int CATCH_UP_FLUSH_EVERY = 500;
    /** Messages one catch-up call routes before it lets the publishers have the lock again. */
    private static final int CATCH_UP_STEP = 20_000;

    private final Broker broker;
    private final Store store;
    private final MessageLog messages;
    private final HubConfig config;
    private final boolean routes;
    private final Thread storeThread;
    // guarded by this
    private final List<Message> pending = new ArrayList<>();
    private long lastSeq;
    private long durableSeq;
    private long routedUpTo;
    private long routedDurable;
    private long routeOffsetSaved = -1;
    private boolean routesStalled;
    private boolean catchingUp;
    private boolean retainedPending;
    private volatile long epoch;
    private volatile boolean storeStopping;

    Persister(Broker broker, Store store, HubConfig config, long lastSeq, long routedUpTo) {
        this.broker = broker;
        this.store = store;
        this.messages = store.log();
        this.config = config;
        this.routes = broker.routing().hasRoutes();
        this.lastSeq = lastSeq;
        this.durableSeq = lastSeq;
        this.routedUpTo = routes ? Math.min(routedUpTo, lastSeq) : lastSeq;
        this.routedDurable = this.routedUpTo;
        this.routesStalled = this.routedUpTo < lastSeq;
        this.storeThread = new Thread(this::storeLoop, "hub-store");
        storeThread.setDaemon(true);
    }

    void start() {
        recoverRoutes();
        storeThread.start();
    }

    /** Re-routes logged messages that a crash left unrouted. */
    private synchronized void recoverRoutes() {
        if (!routesStalled) {
            return;
        }
        long from = routedUpTo;
        while (routesStalled) {
            long before = routedUpTo;
            catchUpRoutes();
            if (routedUpTo == before) {
                break; // the log is full; the store thread goes on once there is room
            }
        }
        log.info("re-routed logged messages after restart: from={}, to={}", from, routedUpTo);
    }

    /** Bumped whenever appended messages were lost to a failed write: who appended before must not acknowledge. */
    long epoch() {
        return epoch;
    }

    /** Appends a QoS 1 message to the log; it is durable, and visible to readers, after the next {@link #flush()}. */
    /** A message appended since the last flush had state recorded that must be committed before it is durable. */
    private boolean commitFirst;

    synchronized long append(Message m, java.util.function.LongConsumer beforeDurable) {
        try {
            appendLocked(m);
            if (beforeDurable != null) {
                beforeDurable.accept(lastSeq);
                commitFirst = true;
            }
            return lastSeq;
        } catch (LogFullException e) {
            throw new NotStoredException(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            lostPending();
            throw new NotStoredException("QoS 1 log write failed: " + e.getCause(), e);
        }
    }

    private void appendLocked(Message m) {
        Message logged = m.withSeq(lastSeq + 1);
        messages.append(logged.seq, logged.timestamp, logged.encode());
        lastSeq = logged.seq;
        retainedPending |= logged.retain;
        pending.add(logged);
    }

    /** After a failed write the log has taken back everything since its last flush: so do we. */
    private void lostPending() {
        pending.clear();
        retainedPending = false;
        lastSeq = durableSeq;
        routedUpTo = routedDurable;
        routesStalled = routes && routedUpTo < durableSeq;
        epoch++;
    }

    /** Makes everything appended so far durable, then hands it to the readers and routes it. */
    synchronized void flush() {
        try {
            while (!pending.isEmpty()) {
                if (commitFirst) {
                    // QoS 2 packet ids recorded for these messages are on record before the messages are
                    commitFirst = false;
                    broker.inflight().writePending();
                }
                messages.flush();
                durableSeq = lastSeq;
                routedDurable = routedUpTo;
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
                    broker.commits().takeDirty();
                    broker.commits().commit();
                }
                broker.metrics().persisted.add(batch.size());
                broker.committedLog().committed(batch, durableSeq);
                if (routes && !routesStalled && !catchingUp) {
                    route(batch);
                }
            }
        } catch (UncheckedIOException e) {
            lostPending();
            throw new NotStoredException("QoS 1 log write failed: " + e.getCause(), e);
        }
        routedDurable = routedUpTo;
        if (routes && routeOffsetSaved != routedDurable) {
            // every copy routed from messages up to routedDurable is in the log now
            routeOffsetSaved = routedDurable;
            broker.saveOffset(Broker.RULE_TOPIC_OFFSET, routedDurable);
        }
    }

    /** Appends the route copies of a just-committed batch; stops (and leaves the rest to a catch-up) when full. */
    private void route(List<Message> batch) {
        for (Message m : batch) {
            if (m.seq != routedUpTo + 1) {
                routesStalled = true;
                return;
            }
            try {
                broker.routing().routeLogged(m, this::appendLocked);
            } catch (LogFullException e) {
                stalled(e);
                return;
            }
            routedUpTo = m.seq;
        }
    }

    private void stalled(LogFullException e) {
        if (!routesStalled) {
            log.warn("subscriptions (routes): QoS 1 copies wait for room in the QoS 1 log, routed up to {}: {}", routedUpTo,
                    e.getMessage());
        }
        routesStalled = true;
    }

    /**
     * Routes logged messages from {@code routedUpTo} on, reading them back from the log (a restart, or routing that
     * stopped on a full log); at most {@value #CATCH_UP_STEP} per call.
     */
    synchronized void catchUpRoutes() {
        if (!routesStalled) {
            return;
        }
        catchingUp = true;
        int n = 0;
        try {
            while (routedUpTo < durableSeq && n < CATCH_UP_STEP) {
                long seq = routedUpTo + 1;
                Message m = broker.committedLog().read(seq);
                if (m != null) {
                    broker.routing().routeLogged(m, this::appendLocked);
                }
                routedUpTo = seq;
                if (++n % CATCH_UP_FLUSH_EVERY == 0) {
                    flush();
                }
            }
            if (routedUpTo >= durableSeq && pending.isEmpty()) {
                routesStalled = false;
                log.info("subscriptions (routes): caught up, routed up to {}", routedUpTo);
            }
        } catch (LogFullException e) {
            stalled(e);
        } finally {
            catchingUp = false;
        }
        flush();
        if (routedUpTo >= durableSeq && routesStalled && pending.isEmpty()) {
            routesStalled = false;
        }
    }

    synchronized <T> T locked(Supplier<T> action) {
        return action.get();
    }

    void stop(long timeout, TimeUnit unit) {
        try {
            flush();
        } catch (NotStoredException e) {
            log.error("QoS 1 log: last flush at shutdown failed: {}", e.getMessage());
        }
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
        long nextFree = System.currentTimeMillis() + FREE_EVERY_MS;
        while (true) {
            boolean last = storeStopping;
            try {
                boolean work = broker.commits().flushOffsets() | broker.commits().takeDirty();
                // QoS 2 records before the offsets they were saved with (Qos2Saver writes the record, then the offset)
                broker.inflight().writePending();
                if (work) {
                    broker.commits().commit();
                }
                long now = System.currentTimeMillis();
                if (now >= nextFree) {
                    freeConsumed();
                    nextFree = now + FREE_EVERY_MS;
                }
                if (now >= nextCleanup) {
                    cleanup(now);
                    nextCleanup = now + cleanupEvery;
                }
                if (routesStalled && !last) {
                    catchUpRoutes();
                }
            } catch (RuntimeException e) {
                log.error("store thread: {}", e.toString(), e);
            }
            if (last) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(COMMIT_EVERY_MS, cleanupEvery)));
        }
    }

    /** Deletes the log segments that every consumer has read (and acknowledged). */
    private void freeConsumed() {
        long upTo = broker.committedLog().consumedUpTo(routes ? routedDurableNow() : Long.MAX_VALUE);
        long removed = messages.removeUpTo(upTo);
        if (removed > 0) {
            log.debug("qos1 log: deleted consumed messages: removed={}, upTo={}", removed, upTo);
        }
    }

    private synchronized long routedDurableNow() {
        return routedDurable;
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
