package io.baetyl.hub.persist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small records by key (a persistent session's QoS 2 state by client id) in an append-only file, the newest record of
 * a key winning: what changes at every QoS 2 packet and must be on record before the next packet leaves.
 *
 * <p>Why not MapDB: a MapDB commit forces its write-ahead log to the device, 5-15 ms on a VM disk, and QoS 2 needs
 * one per socket read in each direction. Surviving a {@code kill -9} of the process only needs the bytes handed to the
 * kernel: a {@code write} is in the page cache when it returns and the kernel writes it out whether the process lives
 * or not. So {@link #put(String, byte[], boolean) put(..., true)} is one {@code write}, plus a device flush only with
 * {@code storage.fsync: true} (power-loss safety). Records written with {@code now = false} wait for the next
 * {@code now} write or {@link #writePending()} (the store thread, every few ms), like the MapDB maps wait for a commit.
 *
 * <p>Format: an 8-byte header {@value #MAGIC}, then records {@code [int length][int crc32c][short keyLength][key]
 * [byte kind][value]}, length and checksum over what follows them. A {@code kill -9} can only cut the last write
 * short: at open the file is read up to the first record that is incomplete or fails its checksum, and cut there
 * (logged, counted in {@link #tornBytes()}).
 *
 * <p>Bounds: the file is rewritten with only the live records (and renamed over the old one, atomic for a crash)
 * once it is larger than {@value #COMPACT_MIN_BYTES} bytes and {@value #COMPACT_FACTOR} times its live records, so it
 * stays under {@code max(}{@value #COMPACT_MIN_BYTES}{@code , }{@value #COMPACT_FACTOR}{@code  x live)} bytes plus one
 * write. Only the index (key, position, length) is on the heap; a value is read from the file when asked for. The live
 * records are bounded by their owner (one per persistent session, each bounded by its session's windows).
 *
 * <p>Thread-safe (event loops and the store thread); every method holds the journal's lock for at most one write or
 * one compaction.
 *
 * <p>The recovery read at open is {@link JournalScan}, the rewrite of the live records {@link JournalCompaction}: both
 * run rarely, so this class keeps only the per-packet path.
 */
public final class RecordJournal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordJournal.class);
    static final String MAGIC = "BQ2JRNL1";
    static final int COMPACT_MIN_BYTES = 4 * 1024 * 1024;
    static final int COMPACT_FACTOR = 4;
    static final int HEADER = 8;
    static final int FRAME = 4 + 4; // length, checksum
    /** Largest record accepted at open; anything larger is a torn or corrupt length. */
    static final int MAX_RECORD = 16 * 1024 * 1024;
    static final byte PUT = 1;
    static final byte REMOVE = 0;
    private static final byte[] REMOVED = new byte[0];

    /** Where a value is in the file. */
    record Loc(long pos, int length) {
    }

    private final Path file;
    private final boolean fsync;
    private FileChannel ch;
    /** Where each live key's value is in the file. Not used in memory mode. */
    private final Map<String, Loc> index = new HashMap<>();
    /** Written but not yet in the file ({@link #REMOVED} for a removal); in memory mode, everything. */
    private final Map<String, byte[]> pending = new LinkedHashMap<>();
    private long size;
    private long liveBytes;
    private long tornBytes;
    private long compactions;
    private boolean closed;

    /** A journal on the heap only (a hub without a disk, tests). */
    public static RecordJournal inMemory() {
        return new RecordJournal();
    }

    private RecordJournal() {
        this.file = null;
        this.fsync = false;
    }

    /**
     * Opens (or creates) the journal at {@code file}, reading its index and cutting a torn tail.
     *
     * @param fsync force every write to the device (power-loss safety); a {@code kill -9} needs no force
     * @throws IllegalStateException when the file is not a journal (a clear error rather than state thrown away)
     */
    public RecordJournal(Path file, boolean fsync) {
        this.file = file;
        this.fsync = fsync;
        try {
            Files.deleteIfExists(tempFile());
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            if (ch.size() == 0) {
                ch.write(ByteBuffer.wrap(MAGIC.getBytes(StandardCharsets.US_ASCII)), 0);
                size = HEADER;
            } else {
                JournalScan scan = new JournalScan(ch, file, index);
                size = scan.size;
                liveBytes = scan.liveBytes;
                tornBytes = scan.tornBytes;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    private Path tempFile() {
        return file.resolveSibling(file.getFileName() + ".compact");
    }

    /** Reads {@code b.remaining()} bytes at {@code pos} of {@code ch}, then flips {@code b}. */
    static void readFully(FileChannel ch, Path file, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("unexpected end of " + file);
            }
        }
        b.flip();
    }

    private void indexRemove(String key) {
        Loc old = index.remove(key);
        if (old != null) {
            liveBytes -= recordBytes(key, old.length);
        }
    }

    static int recordBytes(String key, int valueLength) {
        return FRAME + 2 + key.getBytes(StandardCharsets.UTF_8).length + 1 + valueLength;
    }

    /** The newest value of {@code key}, or null. */
    public synchronized byte[] get(String key) {
        byte[] p = pending.get(key);
        if (p != null) {
            return p == REMOVED ? null : p;
        }
        Loc loc = index.get(key);
        if (loc == null) {
            return null;
        }
        try {
            ByteBuffer b = ByteBuffer.allocate(loc.length);
            readFully(ch, file, b, loc.pos);
            return b.array();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Every key with a value. */
    public synchronized List<String> keys() {
        List<String> keys = new ArrayList<>(index.keySet());
        pending.forEach((k, v) -> {
            if (v == REMOVED) {
                keys.remove(k);
            } else if (!index.containsKey(k)) {
                keys.add(k);
            }
        });
        return keys;
    }

    /**
     * Sets {@code key}'s value; with {@code now} it is in the file (safe from a {@code kill -9}) when this returns,
     * together with everything pending.
     */
    public synchronized void put(String key, byte[] value, boolean now) {
        if (key.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
            throw new IllegalArgumentException("key longer than 65535 bytes");
        }
        pending.put(key, value);
        if (now) {
            writePending();
        }
    }

    /** Removes {@code key}; in the file at the next write. */
    public synchronized void remove(String key) {
        if (file == null) {
            pending.remove(key);
        } else if (pending.containsKey(key) || index.containsKey(key)) {
            pending.put(key, REMOVED);
        }
    }

    /** Writes what is pending to the file, in one write (and a device flush with {@code fsync}). */
    public synchronized void writePending() {
        if (file == null || pending.isEmpty() || closed) {
            return;
        }
        int total = 0;
        List<byte[]> keys = new ArrayList<>(pending.size());
        for (Map.Entry<String, byte[]> e : pending.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            keys.add(k);
            total += FRAME + 2 + k.length + 1 + e.getValue().length;
        }
        ByteBuffer b = ByteBuffer.allocate(total);
        CRC32C crc = new CRC32C();
        int i = 0;
        List<Loc> locs = new ArrayList<>(pending.size());
        for (Map.Entry<String, byte[]> e : pending.entrySet()) {
            byte[] k = keys.get(i++);
            byte[] v = e.getValue();
            int start = b.position();
            int length = 2 + k.length + 1 + v.length;
            b.putInt(length).putInt(0).putShort((short) k.length).put(k).put(v == REMOVED ? REMOVE : PUT).put(v);
            crc.reset();
            crc.update(b.array(), start + FRAME, length);
            b.putInt(start + 4, (int) crc.getValue());
            locs.add(v == REMOVED ? null : new Loc(size + start + FRAME + 2 + k.length + 1, v.length));
        }
        b.flip();
        try {
            long at = size;
            while (b.hasRemaining()) {
                at += ch.write(b, at);
            }
            if (fsync) {
                ch.force(false);
            }
        } catch (IOException e) {
            // the tail may hold part of this write: cut it, so that later writes follow whole records
            try {
                ch.truncate(size);
            } catch (IOException ignored) {
                // the next open cuts it
            }
            throw new UncheckedIOException("cannot write " + file, e);
        }
        size += total;
        i = 0;
        for (Map.Entry<String, byte[]> e : pending.entrySet()) {
            String key = e.getKey();
            indexRemove(key);
            Loc loc = locs.get(i++);
            if (loc != null) {
                index.put(key, loc);
                liveBytes += recordBytes(key, loc.length);
            }
        }
        pending.clear();
        if (size > COMPACT_MIN_BYTES && size > COMPACT_FACTOR * liveBytes) {
            compact();
        }
    }

    /** Rewrites the file with only the live records; renamed over the old one, so a crash leaves one or the other. */
    private void compact() {
        long before = size;
        Path tmp = tempFile();
        try {
            Map<String, Loc> moved = new HashMap<>();
            long pos = JournalCompaction.writeLive(ch, file, tmp, index, fsync, moved);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            ch.close();
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            index.putAll(moved);
            size = pos;
            compactions++;
            log.info("{}: compacted from {} to {} bytes ({} records)", file, before, size, index.size());
        } catch (IOException e) {
            // the old file is intact and still open: carry on appending to it, try again at the next write
            log.warn("{}: compaction failed, the journal goes on growing until it succeeds: {}", file, e.toString());
        }
    }

    /** Forces what was written to the device (also without {@code fsync}: for a one-time step like a migration). */
    public synchronized void force() {
        if (file != null && !closed) {
            try {
                ch.force(false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot flush " + file, e);
            }
        }
    }

    /** Bytes of the file (header included). */
    public synchronized long size() {
        return file == null ? 0 : size;
    }

    /** Bytes of the newest record of each live key. */
    public synchronized long liveBytes() {
        return liveBytes;
    }

    /** Bytes cut from the end of the file at open (a crash during a write). */
    public synchronized long tornBytes() {
        return tornBytes;
    }

    /** How often the file was rewritten with only its live records. */
    public synchronized long compactions() {
        return compactions;
    }

    /** Writes what is pending and closes the file; idempotent. */
    @Override
    public synchronized void close() {
        if (closed || file == null) {
            closed = true;
            return;
        }
        try {
            writePending();
        } finally {
            closed = true;
            try {
                ch.close();
            } catch (IOException e) {
                log.warn("{}: close failed: {}", file, e.toString());
            }
        }
    }
}
