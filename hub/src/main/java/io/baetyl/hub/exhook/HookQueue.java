package io.baetyl.hub.exhook;

import io.baetyl.hub.server.ReadGate;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's valued hook calls, their results applied in the order the client's packets came (EMQX's per-client
 * ordering). At most {@code depth} calls of the client are under way at once ({@code exhook.pipeline}; 1, the default,
 * is EMQX's behaviour: a server sees one call at a time per client); a result that comes before an earlier call's
 * waits for it. A call is started with its {@link Call}; it ends by handing its result to {@link Call#done}. While more
 * than {@link #MAX_PENDING} calls wait, the client's socket is not read. Calls are enqueued and results applied on the
 * client's event loop.
 */
final class HookQueue {
    private static final Logger log = LoggerFactory.getLogger(HookQueue.class);
    /** Hook calls one client may have waiting before its socket stops being read. */
    static final int MAX_PENDING = 256;

    private final Channel ch;
    private final Supplier<String> clientId;
    private final int depth;
    /** Not started yet, in order. */
    private final ArrayDeque<Call> waiting = new ArrayDeque<>();
    /** Started, in order; the head's result is applied first. */
    private final ArrayDeque<Call> started = new ArrayDeque<>();
    private boolean paused;

    /** One hook call of this client. */
    final class Call {
        private final Consumer<Call> start;
        /** Set on the event loop once the call answered. */
        private Runnable result;

        private Call(Consumer<Call> start) {
            this.start = start;
        }

        /** The call's result (any thread): applied on the event loop after every earlier call's. */
        void done(Runnable deliver) {
            ch.eventLoop().execute(() -> {
                result = deliver;
                applyReady();
            });
        }
    }

    HookQueue(Channel ch, Supplier<String> clientId, int depth) {
        this.ch = ch;
        this.clientId = clientId;
        this.depth = Math.max(1, depth);
    }

    /** A call of this client is under way or waiting: a later packet has to wait behind it. */
    synchronized boolean busy() {
        return !waiting.isEmpty() || !started.isEmpty();
    }

    void enqueue(Consumer<Call> start) {
        synchronized (this) {
            waiting.add(new Call(start));
            if (waiting.size() + started.size() > MAX_PENDING && !paused) {
                paused = true;
                ReadGate.of(ch).pause(ReadGate.Reason.HOOK_CALLS);
            }
        }
        startMore();
    }

    /** The connection closed: what waits is not called (results of calls under way still come, and are ignored). */
    synchronized void clear() {
        waiting.clear();
    }

    private void startMore() {
        while (true) {
            Call c;
            synchronized (this) {
                if (started.size() >= depth || waiting.isEmpty()) {
                    return;
                }
                c = waiting.poll();
                started.add(c);
            }
            try {
                c.start.accept(c);
            } catch (RuntimeException e) {
                log.error("exhook call could not be started: clientId={}", clientId.get(), e);
                c.done(() -> { });
            }
        }
    }

    /** On the event loop: applies the results at the head, in order, then starts what waits. */
    private void applyReady() {
        while (true) {
            Call head;
            synchronized (this) {
                head = started.peek();
                if (head == null || head.result == null) {
                    break;
                }
                started.poll();
            }
            try {
                head.result.run();
            } catch (RuntimeException e) {
                log.error("exhook result could not be applied: clientId={}", clientId.get(), e);
            }
        }
        boolean resume;
        synchronized (this) {
            resume = paused && waiting.size() + started.size() <= MAX_PENDING / 2;
            if (resume) {
                paused = false;
            }
        }
        if (resume && ch.isActive()) {
            ReadGate.of(ch).resume(ReadGate.Reason.HOOK_CALLS);
        }
        startMore();
    }
}
