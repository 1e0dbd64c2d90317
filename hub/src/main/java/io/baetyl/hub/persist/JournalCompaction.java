package io.baetyl.hub.persist;

import io.baetyl.hub.persist.RecordJournal.Loc;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

import static io.baetyl.hub.persist.RecordJournal.FRAME;
import static io.baetyl.hub.persist.RecordJournal.HEADER;
import static io.baetyl.hub.persist.RecordJournal.MAGIC;
import static io.baetyl.hub.persist.RecordJournal.PUT;

/**
 * Writes a {@link RecordJournal}'s live records, and only them, to a new file: the first half of a compaction. The
 * journal renames the new file over the old one and swaps its channel and index, so a crash leaves one file or the
 * other, never a mix.
 *
 * <p>Apart from the journal because it runs only when the file has grown to several times its live records, never per
 * QoS 2 packet; the journal keeps the per-packet reads and writes.
 */
final class JournalCompaction {
    private JournalCompaction() {
    }

    /**
     * Writes the live records of {@code index} (values read from {@code ch}) to {@code tmp}, the file's header first, and
     * puts where each value is in the new file into {@code moved}.
     *
     * @return the size of the new file
     */
    static long writeLive(FileChannel ch, Path file, Path tmp, Map<String, Loc> index, boolean fsync, Map<String, Loc> moved)
            throws IOException {
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(MAGIC.getBytes(StandardCharsets.US_ASCII)));
            long pos = HEADER;
            CRC32C crc = new CRC32C();
            for (Map.Entry<String, Loc> e : index.entrySet()) {
                byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
                Loc loc = e.getValue();
                int length = 2 + k.length + 1 + loc.length();
                ByteBuffer b = ByteBuffer.allocate(FRAME + length);
                b.putInt(length).putInt(0).putShort((short) k.length).put(k).put(PUT);
                ByteBuffer value = b.slice(b.position(), loc.length());
                while (value.hasRemaining()) {
                    if (ch.read(value, loc.pos() + value.position()) < 0) {
                        throw new IOException("unexpected end of " + file);
                    }
                }
                crc.reset();
                crc.update(b.array(), FRAME, length);
                b.putInt(4, (int) crc.getValue());
                b.position(0).limit(FRAME + length);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                moved.put(e.getKey(), new Loc(pos + FRAME + 2 + k.length + 1, loc.length()));
                pos += FRAME + length;
            }
            if (fsync) {
                out.force(false);
            }
            return pos;
        }
    }
}
