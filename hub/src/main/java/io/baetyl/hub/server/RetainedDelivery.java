package io.baetyl.hub.server;

import java.util.ArrayDeque;

/**
 * Retained messages owed to a session after a SUBSCRIBE, sent as the connection can take them: only the topics are
 * queued (the messages stay in the store until sent), so a subscription to thousands of retained messages costs a
 * reference each, not their payloads. They go out before anything else published to the session later, so that a
 * subscriber never sees a newer value followed by an older retained one. Event-loop only.
 */
final class RetainedDelivery {
    /** A retained message to send: its topic and the QoS granted to the filter it matched. */
    record Owed(String topic, int qos) {
    }

    private final ArrayDeque<Owed> owed = new ArrayDeque<>();

    void add(String topic, int qos) {
        owed.add(new Owed(topic, qos));
    }

    boolean isEmpty() {
        return owed.isEmpty();
    }

    Owed peek() {
        return owed.peek();
    }

    void remove() {
        owed.poll();
    }

    void clear() {
        owed.clear();
    }
}
