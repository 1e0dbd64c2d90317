package io.baetyl.hub.persist;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One file of the QoS 1 log ({@link FileMessageLog}): its records' range and a sparse index (every
 * {@value #INDEX_EVERY}th record's position), plus the same facts as of the last durable flush, so that records
 * appended after it can be taken back when a write fails.
 */
final class LogSegment {
    static final int INDEX_EVERY = 32;

    final Path path;
    final long baseSeq;
    final FileChannel ch;
    long size;
    long count;
    long firstSeq;
    long lastSeq;
    long firstTs;
    long lastTs;
    private long[] idxSeq = new long[8];
    private long[] idxPos = new long[8];
    private int idxLen;
    // as of the last successful flush
    private long durableSize;
    private long durableCount;
    private long durableLastSeq;
    private long durableLastTs;
    private int durableIdxLen;

    LogSegment(Path path, long baseSeq) throws IOException {
        this.path = path;
        this.baseSeq = baseSeq;
        this.ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    void add(long seq, long ts, long pos) {
        if (count % INDEX_EVERY == 0) {
            if (idxLen == idxSeq.length) {
                idxSeq = Arrays.copyOf(idxSeq, idxLen * 2);
                idxPos = Arrays.copyOf(idxPos, idxLen * 2);
            }
            idxSeq[idxLen] = seq;
            idxPos[idxLen++] = pos;
        }
        if (count == 0) {
            firstSeq = seq;
            firstTs = ts;
        }
        lastSeq = seq;
        lastTs = ts;
        count++;
    }

    /** Position of the indexed record at or before {@code seq}, or -1. */
    long floorPos(long seq) {
        int i = Arrays.binarySearch(idxSeq, 0, idxLen, seq);
        if (i < 0) {
            i = -i - 2;
        }
        return i < 0 ? -1 : idxPos[i];
    }

    /** Everything written so far is durable. */
    void markDurable() {
        durableSize = size;
        durableCount = count;
        durableLastSeq = lastSeq;
        durableLastTs = lastTs;
        durableIdxLen = idxLen;
    }

    /** Takes back what was appended since the last {@link #markDurable()}: the file is cut back, the index too. */
    void rollBack() throws IOException {
        size = durableSize;
        count = durableCount;
        lastSeq = durableLastSeq;
        lastTs = durableLastTs;
        idxLen = durableIdxLen;
        ch.truncate(durableSize);
    }

    boolean hasDurableRecords() {
        return durableCount > 0;
    }
}
