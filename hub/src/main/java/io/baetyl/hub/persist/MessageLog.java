package io.baetyl.hub.persist;

/**
 * The QoS 1 message log: records under a sequence number that only grows, written by one thread (the persister),
 * read by many. A record is readable and survives a crash of the process once {@link #flush()} has returned.
 */
public interface MessageLog extends AutoCloseable {
    /**
     * Adds a record; {@code seq} must be greater than every earlier one. Not visible before {@link #flush()}.
     *
     * @throws LogFullException            the log is at its cap; nothing was added
     * @throws java.io.UncheckedIOException a write failed; every record since the last flush is taken back
     */
    void append(long seq, long timestamp, byte[] data);

    /**
     * Makes every appended record durable against a process crash (and, if so configured, against power loss).
     *
     * @throws java.io.UncheckedIOException the write failed; every record since the last flush is taken back, and
     *                                      {@link #lastSeq()} is that of the last durable record
     */
    void flush();

    /** The record at {@code seq}, or null if there is none (never written, or removed by retention). */
    byte[] get(long seq);

    /** The highest sequence number ever flushed, also after every record was removed; 0 for a new log. */
    long lastSeq();

    /** Number of records held. */
    long count();

    /** Bytes the records take (on disk, or on the heap for the in-memory log). */
    long bytes();

    /** Removes records whose timestamp is older than {@code cutoffMillis}; returns how many went. */
    long removeOlderThan(long cutoffMillis);

    /**
     * Removes records up to {@code seq} that every consumer has read, as far as that frees space (whole segments);
     * returns how many went.
     */
    long removeUpTo(long seq);

    @Override
    void close();
}
