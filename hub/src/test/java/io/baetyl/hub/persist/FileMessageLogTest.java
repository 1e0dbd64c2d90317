package io.baetyl.hub.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileMessageLogTest {
    @TempDir
    Path dir;

    private static byte[] data(long i) {
        return String.format("message-%04d", i).getBytes(StandardCharsets.UTF_8);
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("qos1-")).sorted().toList();
        }
    }

    @Test
    void recordsAreVisibleAfterFlushAndSurviveReopen() {
        try (FileMessageLog log = new FileMessageLog(dir, false, 4096, Long.MAX_VALUE)) {
            for (long i = 1; i <= 1000; i++) {
                log.append(i, 1000 + i, data(i));
            }
            assertThat(log.get(5)).isNull(); // not flushed yet
            log.flush();
            assertThat(log.lastSeq()).isEqualTo(1000);
            assertThat(log.get(5)).isEqualTo(data(5));
        }
        try (FileMessageLog log = new FileMessageLog(dir, false, 4096, Long.MAX_VALUE)) {
            assertThat(log.lastSeq()).isEqualTo(1000);
            assertThat(log.count()).isEqualTo(1000);
            // random and sequential reads across the small segments
            for (long i : new long[] {1, 1000, 517, 33, 32, 64, 999}) {
                assertThat(log.get(i)).as("seq %d", i).isEqualTo(data(i));
            }
            for (long i = 1; i <= 1000; i++) {
                assertThat(log.get(i)).isEqualTo(data(i));
            }
            assertThat(log.get(0)).isNull();
            assertThat(log.get(1001)).isNull();
            log.append(1001, 3000, data(1001));
            log.flush();
            assertThat(log.get(1001)).isEqualTo(data(1001));
        }
    }

    @Test
    void tornTailIsTruncatedAtTheFirstDamagedRecord() throws IOException {
        try (FileMessageLog log = new FileMessageLog(dir, false, 1 << 20, Long.MAX_VALUE)) {
            for (long i = 1; i <= 10; i++) {
                log.append(i, i, data(i));
            }
            log.flush();
        }
        Path seg = segments().get(0);
        long recordSize = FileMessageLog.HEADER + data(1).length;
        // a crash in the middle of writing record 11: half a record at the end
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer half = ByteBuffer.allocate(20).putInt(100).putInt(7).putLong(11);
            half.flip();
            ch.write(half);
        }
        try (FileMessageLog log = new FileMessageLog(dir, false, 1 << 20, Long.MAX_VALUE)) {
            assertThat(log.lastSeq()).isEqualTo(10);
            assertThat(Files.size(seg)).isEqualTo(10 * recordSize);
            log.append(11, 11, data(11));
            log.flush();
        }
        // a flipped byte in record 9's data: records 9 and later go
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'#'}), 8 * recordSize + FileMessageLog.HEADER + 2);
        }
        try (FileMessageLog log = new FileMessageLog(dir, false, 1 << 20, Long.MAX_VALUE)) {
            assertThat(log.lastSeq()).isEqualTo(8);
            assertThat(log.get(8)).isEqualTo(data(8));
            assertThat(log.get(9)).isNull();
        }
    }

    @Test
    void retentionDeletesWholeExpiredSegmentsAndSequenceNumbersNeverRepeat() throws IOException {
        try (FileMessageLog log = new FileMessageLog(dir, false, 1 << 20, 100)) {
            // timestamps 0..299: a new segment every 100 ms of message time
            for (long i = 1; i <= 300; i++) {
                log.append(i, i - 1, data(i));
            }
            log.flush();
            assertThat(segments()).hasSize(3);
            assertThat(log.removeOlderThan(150)).isEqualTo(100); // only the first segment is entirely older
            assertThat(log.get(100)).isNull();
            assertThat(log.get(101)).isEqualTo(data(101));
            assertThat(log.removeOlderThan(1000)).isEqualTo(200);
            assertThat(log.count()).isZero();
            assertThat(log.lastSeq()).isEqualTo(300);
        }
        try (FileMessageLog log = new FileMessageLog(dir, false, 1 << 20, 100)) {
            assertThat(log.lastSeq()).as("after everything expired and a restart").isEqualTo(300);
            log.append(301, 2000, data(301));
            log.flush();
            assertThat(log.get(301)).isEqualTo(data(301));
        }
    }

    @Test
    void memoryLogBehavesTheSame() {
        MemoryMessageLog log = new MemoryMessageLog();
        for (long i = 1; i <= 10; i++) {
            log.append(i, i, data(i));
        }
        log.flush();
        assertThat(log.get(3)).isEqualTo(data(3));
        assertThat(log.removeOlderThan(5)).isEqualTo(4);
        assertThat(log.get(4)).isNull();
        assertThat(log.lastSeq()).isEqualTo(10);
    }

    /** data(i) is 12 bytes: a record is 36 bytes on disk. */
    private static final int RECORD = FileMessageLog.HEADER + 12;

    @Test
    void anAppendPastTheByteCapIsRefusedBeforeAnythingChanges() {
        try (FileMessageLog log = new FileMessageLog(dir, false, 10 * RECORD, Long.MAX_VALUE, 25 * RECORD, Long.MAX_VALUE)) {
            for (long i = 1; i <= 25; i++) {
                log.append(i, i, data(i));
            }
            assertThatThrownBy(() -> log.append(26, 26, data(26))).isInstanceOf(LogFullException.class)
                    .hasMessageContaining("storage.size.max");
            log.flush();
            assertThat(log.lastSeq()).isEqualTo(25);
            assertThat(log.count()).isEqualTo(25);
            assertThat(log.bytes()).isEqualTo(25L * RECORD);
            assertThat(log.get(25)).isEqualTo(data(25));
            // consumers have read the first 12: the first segment (1-10) goes, the second (11-20) still has 11 and 12
            assertThat(log.removeUpTo(12)).isEqualTo(10);
            assertThat(log.get(10)).isNull();
            assertThat(log.get(11)).isEqualTo(data(11));
            log.append(26, 26, data(26));
            log.flush();
            assertThat(log.get(26)).isEqualTo(data(26));
        }
    }

    @Test
    void anAppendPastTheCountCapIsRefused() {
        try (FileMessageLog log = new FileMessageLog(dir, false, 1 << 20, Long.MAX_VALUE, Long.MAX_VALUE, 3)) {
            log.append(1, 1, data(1));
            log.append(2, 2, data(2));
            log.append(3, 3, data(3));
            assertThatThrownBy(() -> log.append(4, 4, data(4))).isInstanceOf(LogFullException.class)
                    .hasMessageContaining("storage.count.max");
            log.flush();
            assertThat(log.lastSeq()).isEqualTo(3);
        }
    }

    @Test
    void removeUpToKeepsTheSequenceWhenEverythingIsConsumed() {
        try (FileMessageLog log = new FileMessageLog(dir, false, 4 * RECORD, Long.MAX_VALUE)) {
            for (long i = 1; i <= 10; i++) {
                log.append(i, i, data(i));
            }
            log.flush();
            assertThat(log.removeUpTo(7)).as("whole segments only: 1-4 and 5-8 hold 8").isEqualTo(4);
            assertThat(log.removeUpTo(10)).isEqualTo(6);
            assertThat(log.count()).isZero();
            assertThat(log.bytes()).isZero();
        }
        try (FileMessageLog log = new FileMessageLog(dir, false, 4 * RECORD, Long.MAX_VALUE)) {
            assertThat(log.lastSeq()).isEqualTo(10);
        }
    }

    @Test
    void aFailedWriteTakesBackEverythingSinceTheLastFlush() throws IOException {
        // the first segment is /dev/full, where every write fails with "No space left on device"
        Files.createSymbolicLink(dir.resolve(String.format("qos1-%020d.log", 1)), Path.of("/dev/full"));
        try (FileMessageLog log = new FileMessageLog(dir, false, 1 << 20, Long.MAX_VALUE)) {
            log.append(1, 1, data(1));
            log.append(2, 2, data(2));
            assertThatThrownBy(log::flush).isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessageContaining("not stored");
            assertThat(log.lastSeq()).isZero();
            assertThat(log.count()).isZero();
            assertThat(log.bytes()).isZero();
            assertThat(log.get(1)).isNull();
            // the numbering goes on from the last durable record
            assertThatThrownBy(() -> {
                log.append(1, 1, data(1));
                log.flush();
            }).isInstanceOf(java.io.UncheckedIOException.class);
        }
    }

    @Test
    void memoryLogHasTheSameCaps() {
        MemoryMessageLog log = new MemoryMessageLog(3L * RECORD, Long.MAX_VALUE);
        for (long i = 1; i <= 3; i++) {
            log.append(i, i, data(i));
        }
        assertThatThrownBy(() -> log.append(4, 4, data(4))).isInstanceOf(LogFullException.class);
        assertThat(log.removeUpTo(1)).isEqualTo(1);
        log.append(4, 4, data(4));
        assertThat(log.bytes()).isEqualTo(3L * RECORD);
    }
}
