package io.baetyl.hub.persist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Store} in one MapDB file, {@code <storage.dir>/hub.mapdb}, with MapDB's write-ahead log so that a
 * {@code kill -9} after a commit loses nothing and never leaves a half-written file.
 */
public final class MapDbStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(MapDbStore.class);
    public static final String FILE_NAME = "hub.mapdb";

    private final DB db;
    private final ConcurrentNavigableMap<Long, byte[]> messages;
    private final Map<String, byte[]> subscriptions;
    private final Map<String, Long> offsets;
    private final Map<String, byte[]> retained;
    private final Map<String, byte[]> wills;
    private final AtomicBoolean closed = new AtomicBoolean();

    public MapDbStore(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create storage.dir " + dir, e);
        }
        Path file = dir.resolve(FILE_NAME);
        db = DBMaker.fileDB(file.toFile())
                .fileMmapEnableIfSupported()
                .fileMmapPreclearDisable()
                .transactionEnable()
                .closeOnJvmShutdown()
                .make();
        messages = db.treeMap("log", Serializer.LONG, Serializer.BYTE_ARRAY)
                // values outside the B-tree nodes: an append then rewrites a node of ids, not of whole messages
                .valuesOutsideNodesEnable()
                .createOrOpen();
        subscriptions = db.hashMap("subscriptions", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        offsets = db.hashMap("offsets", Serializer.STRING, Serializer.LONG).createOrOpen();
        retained = db.hashMap("retained", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        wills = db.hashMap("wills", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        db.commit();
        log.info("store opened: file={}, messages={}, sessions={}, retained={}", file, messages.size(),
                subscriptions.size(), retained.size());
    }

    @Override
    public ConcurrentNavigableMap<Long, byte[]> log() {
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
    public Map<String, byte[]> wills() {
        return wills;
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
            db.commit();
            db.close();
            log.info("store closed");
        }
    }
}
