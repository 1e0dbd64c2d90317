package io.baetyl.hub.exhook;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's valued hook calls, run one after the other in the order the client's packets came (EMQX's per-client
 * ordering). A call is started by {@link #enqueue}; it ends by handing its result to {@link #done}, which runs the
 * result on the client's event loop and starts the next call. While more than {@link #MAX_PENDING} calls wait, the
 * client's socket is not read.
 */
final class HookQueue {
    private static final Logger log = LoggerFactory.getLogger(HookQueue.class);
    /** Hook calls one client may have waiting before its socket stops being read. */
    static final int MAX_PENDING = 256;

    private final Channel ch;
    private final Supplier<String> clientId;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;
    private boolean paused;

    HookQueue(Channel ch, Supplier<String> clientId) {
        this.ch = ch;
        this.clientId = clientId;
    }

    /** A call of this client is running or waiting: a later packet has to wait behind it. */
    boolean busy() {
        synchronized (queue) {
            return running;
        }
    }

    void enqueue(Runnable call) {
        boolean start;
        synchronized (queue) {
            queue.add(call);
            start = !running;
            running = true;
            if (queue.size() > MAX_PENDING && !paused) {
                paused = true;
                ch.config().setAutoRead(false);
            }
        }
        if (start) {
            runNext();
        }
    }

    /** The connection closed: what waits is not called. */
    void clear() {
        synchronized (queue) {
            queue.clear();
        }
    }

    private void runNext() {
        Runnable r;
        synchronized (queue) {
            r = queue.poll();
            if (r == null) {
                running = false;
                return;
            }
        }
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("exhook call could not be started: clientId={}", clientId.get(), e);
            done(() -> { });
        }
    }

    /** A call's result: hand it to the event loop, then start this client's next call. */
    void done(Runnable deliver) {
        ch.eventLoop().execute(() -> {
            try {
                deliver.run();
            } finally {
                boolean resume;
                synchronized (queue) {
                    resume = paused && queue.size() <= MAX_PENDING / 2;
                    if (resume) {
                        paused = false;
                    }
                }
                if (resume && ch.isActive()) {
                    ch.config().setAutoRead(true);
                }
                runNext();
            }
        });
    }
}
