package io.baetyl.hub.server;

import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultEventExecutorChooserFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which I/O event loop a new client connection runs on. Netty deals connections out round-robin, so the publisher and
 * the subscriber of even the smallest setup land on different loops, and every message then wakes two threads on two
 * cores: the publisher's loop, and the subscriber's through an eventfd. On a 2-core VM that second wake-up is most of
 * the hub's latency at a few hundred messages a second (docs/PERFORMANCE.md, "The cross-core wake-up").
 *
 * <p>With a fill ({@code -Dbaetyl.hub.loopFill=N}, 8 by default) the loops are filled in order:
 * a connection goes to the first loop with fewer than {@code fill} connections, and once every loop has that many, to
 * the loop with the fewest (the lowest index on a tie). A gateway with a handful of clients then exchanges its
 * messages on one thread, as Mosquitto does, and a busy one still spreads them over every loop. {@code fill = 0} keeps
 * Netty's round-robin.
 *
 * <p>The counts are the MQTT listeners' open connections ({@link #track}); other users of the loops (the listening
 * sockets, which sit on the first loop, the ExHook's gRPC channels, timers) are not counted and are placed by the same
 * rule. A connection is counted once its pipeline is set up on its loop, so connections accepted within the same few
 * microseconds may all see the same counts; the rule corrects itself with the next ones.
 */
public final class LoopPlacement implements EventExecutorChooserFactory {
    /** {@code -Dbaetyl.hub.loopFill=N}: connections per loop before the next loop is used; 0 is round-robin. */
    public static final String FILL_PROPERTY = "baetyl.hub.loopFill";
    /**
     * Default: 8. Sharing a loop also puts a client that floods the hub beside other clients; what keeps it from
     * starving them is that each connection gets one socket read per turn ({@link MqttServer#DEFAULT_READS_PER_EVENT})
     * and that no loop waits for the store's commits ({@link io.baetyl.hub.broker.RetainedStore}'s write-behind).
     * FloodIT's probe, on the flooding client's loop, checks it.
     */
    public static final int DEFAULT_FILL = 8;

    private final int fill;
    private volatile Map<EventExecutor, Integer> index = Map.of();
    private volatile AtomicIntegerArray connections = new AtomicIntegerArray(0);

    public LoopPlacement(int fill) {
        if (fill < 0) {
            throw new IllegalArgumentException("-D" + FILL_PROPERTY + " must be 0 or more, got " + fill);
        }
        this.fill = fill;
    }

    /** The fill from {@code -Dbaetyl.hub.loopFill}, or {@link #DEFAULT_FILL}. */
    public static LoopPlacement configured() {
        return new LoopPlacement(Integer.getInteger(FILL_PROPERTY, DEFAULT_FILL));
    }

    public int fill() {
        return fill;
    }

    @Override
    public EventExecutorChooser newChooser(EventExecutor[] executors) {
        if (fill == 0 || executors.length == 1) {
            return DefaultEventExecutorChooserFactory.INSTANCE.newChooser(executors);
        }
        Map<EventExecutor, Integer> byLoop = new IdentityHashMap<>();
        for (int i = 0; i < executors.length; i++) {
            byLoop.put(executors[i], i);
        }
        AtomicIntegerArray counts = new AtomicIntegerArray(executors.length);
        index = byLoop;
        connections = counts;
        EventExecutor[] loops = executors.clone();
        return () -> loops[choose(counts, fill)];
    }

    /** The loop for the next connection: the first with fewer than {@code fill}, else the least used. */
    static int choose(AtomicIntegerArray counts, int fill) {
        int least = 0;
        for (int i = 0; i < counts.length(); i++) {
            int n = counts.get(i);
            if (n < fill) {
                return i;
            }
            if (n < counts.get(least)) {
                least = i;
            }
        }
        return least;
    }

    /** Counts {@code ch} on its loop until it closes. Call on the channel's loop, once it is registered. */
    public void track(Channel ch) {
        Integer i = index.get(ch.eventLoop());
        if (i == null) {
            return; // round-robin, or a loop of another group
        }
        AtomicIntegerArray counts = connections;
        counts.incrementAndGet(i);
        ch.closeFuture().addListener(f -> counts.decrementAndGet(i));
    }

    /** Open connections per loop, in loop order (empty with round-robin). */
    public int[] connectionsPerLoop() {
        AtomicIntegerArray counts = connections;
        int[] out = new int[counts.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = counts.get(i);
        }
        return out;
    }
}
