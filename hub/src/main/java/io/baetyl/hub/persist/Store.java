package io.baetyl.hub.persist;

import java.util.Map;

/**
 * The hub's durable state. The QoS 1 message log is durable record by record at its own {@link MessageLog#flush()};
 * the small state in the maps becomes durable at the next {@link #commit()}, and a crash loses at most what was
 * written to them since.
 */
public interface Store extends AutoCloseable {
    /** QoS 1 message log: sequence → {@link io.baetyl.hub.broker.Message#encode() encoded} message. */
    MessageLog log();

    /** Persistent sessions' subscriptions: client id → encoded subscription list. */
    Map<String, byte[]> subscriptions();

    /** Consumers' read offsets into the log: client id (or internal rule id) → last acknowledged sequence. */
    Map<String, Long> offsets();

    /** Retained messages: topic → encoded message; read one at a time, when a subscriber needs it. */
    Map<String, byte[]> retained();

    /** The size of each retained message's encoding, written with it: what the hub reads at start instead of them. */
    Map<String, Integer> retainedSizes();

    /** Wills of connected clients: client id → encoded message. */
    Map<String, byte[]> wills();

    /**
     * Persistent sessions' QoS 2 state (packet ids in flight both ways): client id → encoded record, in its own
     * journal, durable at a {@code write} rather than at {@link #commit()} (see {@link RecordJournal}).
     */
    RecordJournal inflight();

    /** Makes every write to the maps so far durable. */
    void commit();

    /** Flushes the log, commits and releases the files; idempotent. */
    @Override
    void close();
}
