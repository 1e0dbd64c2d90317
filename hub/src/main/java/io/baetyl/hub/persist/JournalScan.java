package io.baetyl.hub.persist;

import io.baetyl.hub.persist.RecordJournal.Loc;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static io.baetyl.hub.persist.RecordJournal.FRAME;
import static io.baetyl.hub.persist.RecordJournal.HEADER;
import static io.baetyl.hub.persist.RecordJournal.MAGIC;
import static io.baetyl.hub.persist.RecordJournal.MAX_RECORD;
import static io.baetyl.hub.persist.RecordJournal.PUT;

/**
 * The recovery read of a {@link RecordJournal} file at open: checks the header, fills the index with each key's newest
 * record, and cuts the file at the first record that is incomplete or fails its checksum (what a {@code kill -9}
 * during a write leaves).
 *
 * <p>Apart from the journal because it runs once per open, not per QoS 2 packet; the journal takes over {@link #size},
 * {@link #liveBytes} and {@link #tornBytes} from it.
 */
final class JournalScan {
    // logged as the journal's own lines, so that operators see the same logger name as before the split
    private static final Logger log = LoggerFactory.getLogger(RecordJournal.class);

    private final FileChannel ch;
    private final Path file;
    private final Map<String, Loc> index;
    /** Bytes of the file after the scan (the end of its last whole record). */
    long size;
    /** Bytes of the newest record of each live key. */
    long liveBytes;
    /** Bytes cut from the end of the file. */
    long tornBytes;

    /**
     * Scans {@code ch} (the journal at {@code file}, not empty) into {@code index}.
     *
     * @throws IllegalStateException when the file is not a journal (then {@code ch} is closed)
     */
    JournalScan(FileChannel ch, Path file, Map<String, Loc> index) throws IOException {
        this.ch = ch;
        this.file = file;
        this.index = index;
        read();
    }

    private void read() throws IOException {
        long fileSize = ch.size();
        if (fileSize < HEADER) {
            // a crash while the header was written: nothing was on record yet
            log.warn("{}: torn header ({} bytes), starting empty", file, fileSize);
            tornBytes = fileSize;
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(MAGIC.getBytes(StandardCharsets.US_ASCII)), 0);
            size = HEADER;
            return;
        }
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        RecordJournal.readFully(ch, file, head, 0);
        if (!MAGIC.equals(new String(head.array(), StandardCharsets.US_ASCII))) {
            ch.close();
            throw new IllegalStateException(file + " is not a hub record journal (header " + MAGIC
                    + " expected): move it away to start with no QoS 2 state");
        }
        long pos = HEADER;
        ByteBuffer frame = ByteBuffer.allocate(FRAME);
        CRC32C crc = new CRC32C();
        while (pos + FRAME <= fileSize) {
            frame.clear();
            RecordJournal.readFully(ch, file, frame, pos);
            int length = frame.getInt(0);
            int sum = frame.getInt(4);
            if (length < 3 || length > MAX_RECORD || pos + FRAME + length > fileSize) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            RecordJournal.readFully(ch, file, body, pos + FRAME);
            crc.reset();
            crc.update(body.array(), 0, length);
            if ((int) crc.getValue() != sum) {
                break;
            }
            int keyLength = body.getShort(0) & 0xFFFF;
            if (2 + keyLength + 1 > length) {
                break;
            }
            String key = new String(body.array(), 2, keyLength, StandardCharsets.UTF_8);
            byte kind = body.get(2 + keyLength);
            int valueOffset = FRAME + 2 + keyLength + 1;
            Loc old = index.remove(key);
            if (old != null) {
                liveBytes -= RecordJournal.recordBytes(key, old.length());
            }
            if (kind == PUT) {
                Loc loc = new Loc(pos + valueOffset, length - (2 + keyLength + 1));
                index.put(key, loc);
                liveBytes += FRAME + length;
            }
            pos += FRAME + length;
        }
        if (pos < fileSize) {
            tornBytes = fileSize - pos;
            log.warn("{}: cut a torn or corrupt tail of {} bytes at position {} (a crash during a write); "
                    + "the records before it are kept", file, tornBytes, pos);
            ch.truncate(pos);
        }
        size = pos;
        log.info("{}: {} records, {} bytes ({} live)", file, index.size(), size, liveBytes);
    }
}
