package io.baetyl.hub.persist;

/**
 * The QoS 1 message log: records under a sequence number that only grows, written by one thread (the persister),
 * read by many. A record is readable and survives a crash of the process once {@link #flush()} has returned.
 */
public interface MessageLog extends AutoCloseable {
    /** Adds a record; {@code seq} must be greater than every earlier one. Not visible before {@link #flush()}. */
    void append(long seq, long timestamp, byte[] data);

    /** Makes every appended record durable against a process crash (and, if so configured, against power loss). */
    void flush();

    /** The record at {@code seq}, or null if there is none (never written, or removed by retention). */
    byte[] get(long seq);

    /** The highest sequence number ever flushed, also after every record was removed; 0 for a new log. */
    long lastSeq();

    /** Number of records held. */
    long count();

    /** Removes records whose timestamp is older than {@code cutoffMillis}; returns how many went. */
    long removeOlderThan(long cutoffMillis);

    @Override
    void close();
}
