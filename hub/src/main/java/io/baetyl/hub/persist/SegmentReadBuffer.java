package io.baetyl.hub.persist;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one record of a QoS 1 log segment ({@link FileMessageLog#get}) through a read buffer that sequential readers
 * reuse: a session catching up beyond the broker's in-memory cache asks for consecutive sequence numbers, and one
 * {@value #READ_BLOCK}-byte read serves many of them.
 *
 * <p>Apart from the log because it is the read side's only state; the log's lock guards it (it is only called while
 * the log holds its lock), and the log tells it when a segment it may hold is cut back or deleted.
 */
final class SegmentReadBuffer {
    // logged as the log's own lines, so that operators see the same logger name as before the split
    private static final Logger log = LoggerFactory.getLogger(FileMessageLog.class);
    private static final int READ_BLOCK = 64 * 1024;
    private static final int HEADER = FileMessageLog.HEADER;

    // read buffer: bytes [cachePos, cachePos + cache.limit()) of cacheSeg
    private LogSegment cacheSeg;
    private long cachePos;
    private ByteBuffer cache = ByteBuffer.allocate(0);

    /** The data of record {@code seq} of segment {@code s} (which holds that number in its range), or null. */
    byte[] read(LogSegment s, long seq) {
        long pos = s.floorPos(seq);
        try {
            while (pos >= 0 && pos + HEADER <= s.size) {
                if (!load(s, pos, HEADER)) {
                    return null;
                }
                int at = (int) (pos - cachePos);
                int len = cache.getInt(at);
                long recSeq = cache.getLong(at + 8);
                if (recSeq == seq) {
                    if (!load(s, pos, HEADER + len)) {
                        return null;
                    }
                    byte[] data = new byte[len];
                    cache.get((int) (pos - cachePos) + HEADER, data);
                    return data;
                }
                if (recSeq > seq) {
                    return null;
                }
                pos += HEADER + len;
            }
        } catch (IOException e) {
            log.warn("qos1 log: read failed: file={}, seq={}: {}", s.path.getFileName(), seq, e.toString());
        }
        return null;
    }

    /** Makes bytes [pos, pos + n) of the segment available in the read buffer. */
    private boolean load(LogSegment s, long pos, int n) throws IOException {
        if (cacheSeg == s && pos >= cachePos && pos + n <= cachePos + cache.limit()) {
            return true;
        }
        int want = (int) Math.min(Math.max(READ_BLOCK, n), s.size - pos);
        if (want < n) {
            return false;
        }
        if (cache.capacity() < want || cache.capacity() > READ_BLOCK && want <= READ_BLOCK) {
            cache = ByteBuffer.allocate(Math.max(READ_BLOCK, want));
        }
        cache.clear().limit(want);
        cacheSeg = null;
        while (cache.hasRemaining()) {
            if (s.ch.read(cache, pos + cache.position()) < 0) {
                return false;
            }
        }
        cache.flip();
        cacheSeg = s;
        cachePos = pos;
        return true;
    }

    /** Drops the buffered bytes (the files were cut back after a failed write). */
    void clear() {
        cacheSeg = null;
    }

    /** Drops the buffered bytes if they are of {@code s} (being deleted). */
    void forget(LogSegment s) {
        if (cacheSeg == s) {
            cacheSeg = null;
        }
    }
}
