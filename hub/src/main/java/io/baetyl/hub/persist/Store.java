package io.baetyl.hub.persist;

import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;

/**
 * The hub's durable state. Writes become durable at the next {@link #commit()}; a crash loses at most what was
 * written since. The QoS 1 message log is keyed by a sequence number that only grows.
 */
public interface Store extends AutoCloseable {
    /** QoS 1 message log: sequence → {@link io.baetyl.hub.broker.Message#encode() encoded} message. */
    ConcurrentNavigableMap<Long, byte[]> log();

    /** Persistent sessions' subscriptions: client id → encoded subscription list. */
    Map<String, byte[]> subscriptions();

    /** Consumers' read offsets into the log: client id (or internal rule id) → last acknowledged sequence. */
    Map<String, Long> offsets();

    /** Retained messages: topic → encoded message. */
    Map<String, byte[]> retained();

    /** Wills of connected clients: client id → encoded message. */
    Map<String, byte[]> wills();

    /** Makes every write so far durable. */
    void commit();

    /** Commits and releases the files; idempotent. */
    @Override
    void close();
}
