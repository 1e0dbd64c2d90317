package io.baetyl.hub.persist;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QoS 1 log's files on disk ({@link FileMessageLog}): how a segment file is named, which files in the storage
 * directory are segments, and the recovery scan at open that rebuilds a segment's index and cuts off a torn tail.
 *
 * <p>Kept apart from the log because it only runs at open (and for sizing the cap before it), never on the per-message
 * path; the log keeps the append, flush, read and retention logic.
 */
final class LogSegmentFiles {
    // logged as the log's own lines, so that operators see the same logger name as before the split
    private static final Logger log = LoggerFactory.getLogger(FileMessageLog.class);
    private static final int MAX_DATA = 512 * 1024 * 1024;
    private static final String PREFIX = "qos1-";
    private static final String SUFFIX = ".log";

    private LogSegmentFiles() {
    }

    /** The segment files in {@code dir}, oldest (lowest first sequence number) first. */
    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> baseOf(p) >= 0).sorted((a, b) -> Long.compare(baseOf(a), baseOf(b))).toList();
        }
    }

    /** The path of the segment whose first record is {@code baseSeq}. */
    static Path pathOf(Path dir, long baseSeq) {
        return dir.resolve(String.format("%s%020d%s", PREFIX, baseSeq, SUFFIX));
    }

    /** Bytes of the QoS 1 log files in {@code dir} (0 if there are none); for sizing the log's cap before opening it. */
    static long bytesIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> baseOf(p) >= 0).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    static long baseOf(Path p) {
        String n = p.getFileName().toString();
        if (!n.startsWith(PREFIX) || !n.endsWith(SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Reads a segment's records into its index; truncates it at the first damaged record. */
    static void scan(LogSegment seg) throws IOException {
        long fileSize = seg.ch.size();
        long pos = 0;
        long prev = seg.baseSeq - 1;
        String damage = null;
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(seg.ch.position(0)), 1 << 16));
        CRC32C c = new CRC32C();
        byte[] head = new byte[16];
        while (pos < fileSize) {
            try {
                int len = in.readInt();
                int sum = in.readInt();
                in.readFully(head);
                long seq = ByteBuffer.wrap(head).getLong(0);
                long ts = ByteBuffer.wrap(head).getLong(8);
                if (len < 0 || len > MAX_DATA || len > fileSize - pos - FileMessageLog.HEADER) {
                    damage = "incomplete record";
                    break;
                }
                byte[] data = new byte[len];
                in.readFully(data);
                c.reset();
                c.update(head);
                c.update(data);
                if ((int) c.getValue() != sum) {
                    damage = "checksum mismatch";
                    break;
                }
                if (seq <= prev) {
                    damage = "sequence out of order";
                    break;
                }
                seg.add(seq, ts, pos);
                prev = seq;
                pos += FileMessageLog.HEADER + len;
            } catch (EOFException e) {
                damage = "incomplete record";
                break;
            }
        }
        if (damage != null) {
            log.warn("qos1 log: truncating damaged tail (left by a crash during a write, never acknowledged): file={}, at={}, dropped={} bytes, reason={}",
                    seg.path.getFileName(), pos, fileSize - pos, damage);
            seg.ch.truncate(pos);
        }
        seg.size = pos;
    }
}
