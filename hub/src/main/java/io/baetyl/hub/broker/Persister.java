package io.baetyl.hub.broker;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.persist.Store;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the QoS 1 log. It takes whatever publishes are queued, appends them in one MapDB
 * transaction together with pending offset updates, commits, and only then acknowledges the publishers and wakes
 * the readers: a PUBACK means the message is on disk. Routed QoS 1 copies go into the next transaction along with
 * the route offset, so a crash re-routes rather than loses.
 */
final class Persister implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Persister.class);
    private static final int MAX_BATCH = 4096;

    private record Pending(Message message, Runnable done) {
    }

    private final Broker broker;
    private final Store store;
    private final HubConfig config;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ArrayDeque<Message> again = new ArrayDeque<>();
    private final Thread thread;
    private long lastSeq;
    private long routedUpTo;
    private volatile boolean stopping;

    Persister(Broker broker, Store store, HubConfig config, long lastSeq, long routedUpTo) {
        this.broker = broker;
        this.store = store;
        this.config = config;
        this.lastSeq = lastSeq;
        this.routedUpTo = Math.min(routedUpTo, lastSeq);
        this.thread = new Thread(this, "hub-persister");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void submit(Message m, Runnable done) {
        queue.add(new Pending(m, done));
    }

    int queued() {
        return queue.size();
    }

    void stop(long timeout, TimeUnit unit) {
        stopping = true;
        try {
            thread.join(unit.toMillis(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("persister did not finish within shutdown timeout: queued={}", queue.size());
        }
    }

    @Override
    public void run() {
        try {
            recoverRoutes();
            loop();
        } catch (Throwable t) {
            log.error("persister stopped on error; QoS 1 publishes will not be acknowledged", t);
        }
    }

    /** Re-routes logged messages that a crash left unrouted. */
    private void recoverRoutes() {
        if (!broker.hasRoutes() || routedUpTo >= lastSeq) {
            routedUpTo = lastSeq;
            return;
        }
        int n = 0;
        for (Map.Entry<Long, byte[]> e : store.log().tailMap(routedUpTo, false).entrySet()) {
            broker.routeLogged(Message.decode(e.getValue(), e.getKey()), again::add);
            n++;
        }
        log.info("re-routing logged messages after restart: messages={}, copies={}", n, again.size());
        routedUpTo = lastSeq;
    }

    private void loop() throws InterruptedException {
        long cleanupEvery = config.message.ingress.qos1.cleanup.interval.toMillis();
        long nextCleanup = System.currentTimeMillis() + cleanupEvery;
        List<Pending> batch = new ArrayList<>();
        List<Message> logged = new ArrayList<>();
        while (true) {
            batch.clear();
            if (again.isEmpty()) {
                Pending first = queue.poll(20, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                }
            }
            queue.drainTo(batch, MAX_BATCH);
            while (!again.isEmpty()) {
                batch.add(new Pending(again.poll(), null));
            }
            long now = System.currentTimeMillis();
            if (batch.isEmpty()) {
                boolean work = broker.flushOffsets() | broker.takeDirty();
                if (now >= nextCleanup) {
                    work |= cleanup(now);
                    nextCleanup = now + cleanupEvery;
                }
                if (work) {
                    store.commit();
                }
                if (stopping && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            logged.clear();
            for (Pending p : batch) {
                Message m = p.message().withSeq(++lastSeq);
                store.log().put(m.seq, m.encode());
                if (m.retain) {
                    broker.retain(m);
                }
                logged.add(m);
            }
            if (broker.hasRoutes()) {
                store.offsets().put(Broker.RULE_TOPIC_OFFSET, routedUpTo);
            }
            broker.flushOffsets();
            broker.takeDirty();
            store.commit();
            broker.metrics().persisted.add(logged.size());
            for (Pending p : batch) {
                if (p.done() != null) {
                    p.done().run();
                }
            }
            broker.committed(logged, lastSeq);
            if (broker.hasRoutes()) {
                for (Message m : logged) {
                    broker.routeLogged(m, again::add);
                }
                routedUpTo = lastSeq;
            }
        }
    }

    /** Deletes logged messages older than {@code cleanup.retention}; they were written in order, so stop at the first young one. */
    private boolean cleanup(long now) {
        long cutoff = now - config.message.ingress.qos1.cleanup.retention.toMillis();
        int removed = 0;
        Iterator<Map.Entry<Long, byte[]>> it = store.log().entrySet().iterator();
        while (it.hasNext() && removed < 100_000) {
            Map.Entry<Long, byte[]> e = it.next();
            if (Message.timestampOf(e.getValue()) >= cutoff) {
                break;
            }
            it.remove();
            removed++;
        }
        if (removed > 0) {
            log.info("cleaned up expired QoS 1 messages: removed={}, retention={}", removed,
                    config.message.ingress.qos1.cleanup.retention);
        }
        return removed > 0;
    }
}
