package io.baetyl.hub.persist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Store} in the storage directory: the QoS 1 log in append-only segment files ({@link FileMessageLog}, see
 * there why not in MapDB), and the small, often rewritten state (sessions' subscriptions, offsets, retained messages,
 * wills) in one MapDB file, {@code hub.mapdb}, with MapDB's write-ahead log so that a {@code kill -9} after a commit
 * loses nothing and never leaves a half-written file, and persistent sessions' QoS 2 state in {@code qos2.journal}
 * ({@link RecordJournal}: it changes at every QoS 2 packet, and a MapDB commit forces the device each time).
 */
public final class MapDbStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(MapDbStore.class);
    public static final String FILE_NAME = "hub.mapdb";
    /** The QoS 2 state's journal ({@link RecordJournal}); before it, the MapDB map {@code inflight}. */
    public static final String JOURNAL_FILE_NAME = "qos2.journal";
    /** Largest size at which a QoS 1 log segment is closed; smaller caps get smaller segments (see below). */
    public static final long SEGMENT_BYTES = 64L * 1024 * 1024;
    private static final long MIN_SEGMENT_BYTES = 16 * 1024;

    private final DB db;
    private final FileMessageLog messages;
    private final Map<String, byte[]> subscriptions;
    private final Map<String, Long> offsets;
    private final Map<String, byte[]> retained;
    private final Map<String, Integer> retainedSizes;
    private final Map<String, byte[]> wills;
    private final RecordJournal inflight;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param fsync           also force the QoS 1 log and MapDB to the device at every flush/commit (power-loss safety)
     * @param rollAfterMillis age of a log segment's first record at which the segment is closed (retention granularity)
     * @param logMaxBytes     the QoS 1 log's cap on disk; a segment is a sixteenth of it (16 KB to 64 MB), so that
     *                        consumed segments can be deleted long before the log is full
     * @param logMaxCount     the QoS 1 log's cap in messages
     */
    public MapDbStore(Path dir, boolean fsync, long rollAfterMillis, long logMaxBytes, long logMaxCount) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create storage.dir " + dir, e);
        }
        Path file = dir.resolve(FILE_NAME);
        // Plain file I/O, not mmap: this store is small and committed from the store thread every few ms, off the
        // message path, and MapDB's mmap volumes load more classes (about 1.5 MB of idle RSS).
        DBMaker.Maker maker = DBMaker.fileDB(file.toFile())
                .transactionEnable()
                .closeOnJvmShutdown();
        if (!fsync) {
            // MapDB still syncs its WAL at each commit; this skips the second sync of the main file
            maker = maker.fileSyncDisable();
        }
        db = maker.make();
        subscriptions = db.hashMap("subscriptions", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        offsets = db.hashMap("offsets", Serializer.STRING, Serializer.LONG).createOrOpen();
        retained = db.hashMap("retained", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        // a B-tree: thousands of small entries sit in a few nodes, so reading them all at start is a few reads (the
        // hash map of the messages themselves would take a random read per entry, a second for 5,000 of them)
        retainedSizes = db.treeMap("retainedIndex", Serializer.STRING, Serializer.INTEGER).createOrOpen();
        wills = db.hashMap("wills", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        db.commit();
        inflight = new RecordJournal(dir.resolve(JOURNAL_FILE_NAME), fsync);
        migrateInflight();
        long segment = Math.max(MIN_SEGMENT_BYTES, Math.min(SEGMENT_BYTES, logMaxBytes / 16));
        messages = new FileMessageLog(dir, fsync, segment, rollAfterMillis, logMaxBytes, logMaxCount);
        log.info("store opened: file={}", file);
    }

    /**
     * One way, from stores written before the journal: the MapDB map {@code inflight} moves into the journal (forced to
     * the device before the map is emptied, so that a crash in between finds the state in one of them; the journal's
     * record wins where both have one).
     */
    private void migrateInflight() {
        if (!db.exists("inflight")) {
            return;
        }
        Map<String, byte[]> old = db.hashMap("inflight", Serializer.STRING, Serializer.BYTE_ARRAY).open();
        if (old.isEmpty()) {
            return;
        }
        int n = 0;
        for (Map.Entry<String, byte[]> e : old.entrySet()) {
            if (inflight.get(e.getKey()) == null) {
                inflight.put(e.getKey(), e.getValue(), false);
                n++;
            }
        }
        inflight.writePending();
        inflight.force();
        old.clear();
        db.commit();
        log.info("QoS 2 state moved from {} to {}: sessions={}", FILE_NAME, JOURNAL_FILE_NAME, n);
    }

    @Override
    public MessageLog log() {
        return messages;
    }

    @Override
    public Map<String, byte[]> subscriptions() {
        return subscriptions;
    }

    @Override
    public Map<String, Long> offsets() {
        return offsets;
    }

    @Override
    public Map<String, byte[]> retained() {
        return retained;
    }

    @Override
    public Map<String, Integer> retainedSizes() {
        return retainedSizes;
    }

    @Override
    public Map<String, byte[]> wills() {
        return wills;
    }

    @Override
    public RecordJournal inflight() {
        return inflight;
    }

    @Override
    public void commit() {
        if (!closed.get()) {
            db.commit();
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            messages.close();
            inflight.close();
            db.commit();
            db.close();
            log.info("store closed");
        }
    }
}
