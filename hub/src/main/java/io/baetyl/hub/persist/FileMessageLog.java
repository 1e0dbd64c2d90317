package io.baetyl.hub.persist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QoS 1 log as append-only segment files {@code qos1-<first seq>.log} in the storage directory.
 *
 * <p>Why not MapDB for this: a MapDB commit with transactions writes a write-ahead-log file, forces it to the disk,
 * replays it into the store, forces the store and deletes the WAL file; per batch of publishes that cost 2 fsyncs and
 * 30-60 µs of CPU per message, and p99 latencies of tens of milliseconds on a shared disk. The hub only promises that an
 * acknowledged QoS 1 message survives a crash of the process ({@code kill -9}), as baetyl-hub did; once
 * {@code write(2)} has returned the data is in the kernel's page cache, which a process crash does not lose. So a batch
 * is one {@code write} at the end of a file, and the PUBACK follows it. {@code storage.fsync: true} adds a
 * {@code fdatasync} per batch for power-loss safety, at the price of the disk's flush latency.
 *
 * <p>Record: length of data (4), CRC32C of seq, timestamp and data (4), seq (8), timestamp (8), data. At open every
 * segment is scanned; the first record that is short or fails its CRC ends that segment, and the file is truncated
 * there (a torn tail left by a crash in the middle of a write, which can only be a batch that was never acknowledged).
 *
 * <p>A segment is closed when it reaches {@code segmentBytes} or when its first record is older than
 * {@code rollAfterMillis}; retention deletes whole segments once their newest record is older than the cutoff, so a
 * message lives between the retention and the retention plus {@code rollAfterMillis}. Segments every consumer has
 * read past are deleted earlier ({@link #removeUpTo}).
 *
 * <p>Bounds: an append that would take the log past {@code maxBytes} or {@code maxCount} is refused with
 * {@link LogFullException} before anything changes. A write that fails (the disk is full, say) takes back everything
 * appended since the last flush, so the log never holds a record that was not acknowledged as durable, and throws.
 *
 * <p>Reads (sessions catching up beyond the broker's in-memory cache) find the segment, then the nearest of every
 * {@value LogSegment#INDEX_EVERY}th record's position, and scan forward through a read buffer that sequential readers
 * reuse ({@link SegmentReadBuffer}). Naming the files and the recovery scan at open are in {@link LogSegmentFiles}. One lock guards everything; the writer holds it only for a memory copy per append and one write per batch.
 */
public final class FileMessageLog implements MessageLog {
    private static final Logger log = LoggerFactory.getLogger(FileMessageLog.class);
    static final int HEADER = 24;
    private static final long SLOW_WRITE_MS = 20;

    private final Path dir;
    private final boolean fsync;
    private final long segmentBytes;
    private final long rollAfterMillis;
    private final long maxBytes;
    private final long maxCount;
    private final List<LogSegment> segments = new ArrayList<>();
    /** Segments written to since the last flush (only they can hold records that are not durable yet). */
    private final List<LogSegment> dirty = new ArrayList<>();
    private final CRC32C crc = new CRC32C();
    private ByteBuffer out = ByteBuffer.allocate(16 * 1024);
    private long appendedSeq;
    private volatile long lastSeq;
    private long count;
    /** Bytes in the segment files plus what waits in {@link #out}. */
    private volatile long bytes;
    private boolean closed;
    private final SegmentReadBuffer reader = new SegmentReadBuffer();

    /** A log without caps (tests). */
    public FileMessageLog(Path dir, boolean fsync, long segmentBytes, long rollAfterMillis) {
        this(dir, fsync, segmentBytes, rollAfterMillis, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * @param maxBytes cap on the bytes of all segment files ({@code storage.size.max})
     * @param maxCount cap on the records held ({@code storage.count.max})
     */
    public FileMessageLog(Path dir, boolean fsync, long segmentBytes, long rollAfterMillis, long maxBytes, long maxCount) {
        this.dir = dir;
        this.fsync = fsync;
        this.segmentBytes = segmentBytes;
        this.rollAfterMillis = Math.max(1, rollAfterMillis);
        this.maxBytes = maxBytes;
        this.maxCount = maxCount;
        long total = 0;
        try {
            Files.createDirectories(dir);
            List<Path> files = LogSegmentFiles.list(dir);
            long last = 0;
            for (Path p : files) {
                LogSegment seg = new LogSegment(p, LogSegmentFiles.baseOf(p));
                LogSegmentFiles.scan(seg);
                seg.markDurable();
                segments.add(seg);
                count += seg.count;
                total += seg.size;
                last = Math.max(last, seg.count > 0 ? seg.lastSeq : seg.baseSeq - 1);
            }
            appendedSeq = last;
            lastSeq = last;
            bytes = total;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open QoS 1 log in " + dir, e);
        }
        log.info("qos1 log opened: dir={}, segments={}, messages={}, bytes={}, lastSeq={}, fsync={}", dir, segments.size(),
                count, total, lastSeq, fsync);
        if (total > maxBytes || count > maxCount) {
            // a smaller cap than the last run's: what is there stays readable, new QoS 1 waits until it is consumed
            log.warn("qos1 log holds more than its cap: bytes={} (storage.size.max={}), messages={} (storage.count.max={}); "
                    + "QoS 1 publishes are refused until consumers have read enough of it", total, maxBytes, count, maxCount);
        }
    }

    /** Bytes of the QoS 1 log files in {@code dir} (0 if there are none); for sizing the log's cap before opening it. */
    public static long bytesIn(Path dir) {
        return LogSegmentFiles.bytesIn(dir);
    }

    private LogSegment active() {
        return segments.isEmpty() ? null : segments.get(segments.size() - 1);
    }

    private LogSegment newSegment(long baseSeq) throws IOException {
        LogSegment s = new LogSegment(LogSegmentFiles.pathOf(dir, baseSeq), baseSeq);
        segments.add(s);
        return s;
    }

    @Override
    public synchronized void append(long seq, long timestamp, byte[] data) {
        if (seq <= appendedSeq) {
            throw new IllegalArgumentException("sequence " + seq + " not after " + appendedSeq);
        }
        int rec = HEADER + data.length;
        if (bytes + rec > maxBytes || count >= maxCount) {
            throw new LogFullException("QoS 1 log full: " + bytes + " bytes (storage.size.max " + maxBytes + "), "
                    + count + " messages (storage.count.max " + maxCount + ")");
        }
        try {
            LogSegment a = active();
            if (a == null || (a.count > 0 && (a.size + out.position() + rec > segmentBytes || timestamp - a.firstTs >= rollAfterMillis))) {
                if (a != null) {
                    writeOut(a);
                    if (fsync) {
                        a.ch.force(false);
                    }
                }
                a = newSegment(seq);
            }
            if (out.remaining() < rec) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + rec));
                out.flip();
                bigger.put(out);
                out = bigger;
            }
            int start = out.position();
            long pos = a.size + start;
            out.putInt(data.length).putInt(0).putLong(seq).putLong(timestamp).put(data);
            crc.reset();
            crc.update(out.array(), start + 8, 16 + data.length);
            out.putInt(start + 4, (int) crc.getValue());
            a.add(seq, timestamp, pos);
            if (dirty.isEmpty() || dirty.get(dirty.size() - 1) != a) {
                dirty.add(a);
            }
            appendedSeq = seq;
            count++;
            bytes += rec;
        } catch (IOException e) {
            rollBack(e);
            throw new UncheckedIOException("cannot write QoS 1 log in " + dir + " (the messages since the last flush are not stored)", e);
        }
    }

    private void writeOut(LogSegment a) throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            a.size += a.ch.write(out, a.size);
        }
        out.clear();
        if (out.capacity() > 1 << 20) {
            out = ByteBuffer.allocate(16 * 1024); // do not keep a large message's buffer
        }
    }

    @Override
    public synchronized void flush() {
        LogSegment a = active();
        if (a == null || appendedSeq == lastSeq) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            writeOut(a);
            if (fsync) {
                a.ch.force(false);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms >= SLOW_WRITE_MS) {
                // every QoS 1 publisher waits for this; a slow disk shows here first
                log.warn("qos1 log: slow write: ms={}, file={}", ms, a.path.getFileName());
            }
        } catch (IOException e) {
            rollBack(e);
            throw new UncheckedIOException("cannot write QoS 1 log in " + dir + " (the messages since the last flush are not stored)", e);
        }
        for (LogSegment s : dirty) {
            s.markDurable();
        }
        dirty.clear();
        lastSeq = appendedSeq;
    }

    /**
     * After a failed write: everything appended since the last flush is taken back (files cut back to their durable
     * size, segments created since then deleted), so that sequence numbers continue from the last durable record.
     */
    private void rollBack(IOException cause) {
        long lost = appendedSeq - lastSeq;
        out.clear();
        reader.clear();
        // newest first, so that the segment left when all of them were new is the one the next sequence number opens
        for (int i = dirty.size() - 1; i >= 0; i--) {
            LogSegment s = dirty.get(i);
            try {
                if (!s.hasDurableRecords() && s.baseSeq > lastSeq && segments.size() > 1) {
                    segments.remove(s);
                    s.ch.close();
                    Files.deleteIfExists(s.path);
                } else {
                    s.rollBack();
                }
            } catch (IOException e) {
                // the records past the durable size are cut off in memory; at the next start the scan cuts the file
                log.warn("qos1 log: cannot cut back {} after a failed write: {}", s.path.getFileName(), e.toString());
            }
        }
        dirty.clear();
        appendedSeq = lastSeq;
        long n = 0;
        long b = 0;
        for (LogSegment s : segments) {
            n += s.count;
            b += s.size;
        }
        count = n;
        bytes = b;
        log.error("qos1 log: write failed, the last {} messages (not acknowledged yet) are not stored: dir={}: {}", lost, dir,
                cause.toString());
    }

    @Override
    public synchronized byte[] get(long seq) {
        if (seq < 1 || seq > lastSeq || closed) {
            return null;
        }
        int lo = 0;
        int hi = segments.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (segments.get(mid).baseSeq <= seq) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) {
            return null;
        }
        LogSegment s = segments.get(found);
        if (s.count == 0 || seq < s.firstSeq || seq > s.lastSeq) {
            return null;
        }
        return reader.read(s, seq);
    }

    @Override
    public long lastSeq() {
        return lastSeq;
    }

    @Override
    public synchronized long count() {
        return count;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public synchronized long removeOlderThan(long cutoffMillis) {
        return removeWhile(s -> s.lastTs < cutoffMillis);
    }

    @Override
    public synchronized long removeUpTo(long seq) {
        return removeWhile(s -> s.lastSeq <= seq && s.lastSeq <= lastSeq);
    }

    /** Deletes whole segments from the oldest on while {@code expired} holds for them. */
    private long removeWhile(Predicate<LogSegment> expired) {
        long removed = 0;
        try {
            while (!segments.isEmpty()) {
                LogSegment s = segments.get(0);
                if (s.count == 0 || !expired.test(s)) {
                    break;
                }
                if (segments.size() == 1) {
                    if (appendedSeq != lastSeq) {
                        break; // it holds records that are not flushed yet
                    }
                    // everything is gone: an empty segment keeps the position, so sequence numbers never repeat
                    newSegment(appendedSeq + 1).markDurable();
                }
                segments.remove(0);
                dirty.remove(s);
                reader.forget(s);
                s.ch.close();
                Files.deleteIfExists(s.path);
                removed += s.count;
                count -= s.count;
                bytes -= s.size;
            }
        } catch (IOException e) {
            log.warn("qos1 log: cleanup failed in {}: {}", dir, e.toString());
        }
        return removed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        flush();
        closed = true;
        for (LogSegment s : segments) {
            try {
                if (fsync) {
                    s.ch.force(false);
                }
                s.ch.close();
            } catch (IOException e) {
                log.warn("qos1 log: close failed: file={}: {}", s.path.getFileName(), e.toString());
            }
        }
    }
}
