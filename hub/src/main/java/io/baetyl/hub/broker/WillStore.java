package io.baetyl.hub.broker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Wills of connected clients by client id; what a previous run left is stale and dropped at start. Also the MQTT 5
 * wills waiting out their will delay (in memory, at most one per client id): a reconnect of the client cancels its will,
 * or sends it at once when the reconnect ends the session.
 */
public final class WillStore {
    private final Map<String, byte[]> map;
    private final DirtyFlag dirty;
    private final Map<String, Delayed> delayed = new ConcurrentHashMap<>();

    private record Delayed(Runnable publish, ScheduledFuture<?>[] timer) {
    }

    WillStore(Map<String, byte[]> map, DirtyFlag dirty) {
        this.map = map;
        this.dirty = dirty;
        map.clear(); // their connections are gone and no client asked for them again
    }

    public void put(String clientId, Message will) {
        map.put(clientId, will.encode());
        dirty.mark();
    }

    public void remove(String clientId) {
        if (map.remove(clientId) != null) {
            dirty.mark();
        }
    }

    /** Runs {@code publish} after {@code delayMillis} unless {@link #reconnected} comes first. */
    public void publishLater(String clientId, long delayMillis, ScheduledExecutorService timer, Runnable publish) {
        Delayed d = new Delayed(publish, new ScheduledFuture<?>[1]);
        Delayed old = delayed.put(clientId, d);
        if (old != null && old.timer[0] != null && old.timer[0].cancel(false)) {
            old.publish.run(); // cannot happen for one client id (a reconnect comes in between); never lose a will
        }
        d.timer[0] = timer.schedule(() -> {
            if (delayed.remove(clientId, d)) {
                d.publish.run();
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * The client connected again: a will waiting for its delay is not sent, or, if the new connection ends the session
     * (MQTT 5 clean start), sent now.
     */
    public void reconnected(String clientId, boolean sessionEnded) {
        Delayed d = delayed.remove(clientId);
        if (d != null) {
            if (d.timer[0] != null) {
                d.timer[0].cancel(false);
            }
            if (sessionEnded) {
                d.publish.run();
            }
        }
    }

    /** Wills waiting for their delay (for tests and listings). */
    public int delayedCount() {
        return delayed.size();
    }
}
