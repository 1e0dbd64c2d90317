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
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordJournalTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("qos2.journal");
    }

    private static byte[] value(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRecordWrittenNowIsInTheFileWithoutCloseAndTheNewestWins() {
        RecordJournal j = new RecordJournal(file(), false);
        j.put("a", value("a1"), true);
        j.put("b", value("b1"), false); // waits for the next write
        j.put("a", value("a2"), true); // writes b too
        j.put("c", value("c1"), true);
        j.remove("c");
        j.put("d", value("d1"), false);
        j.writePending();
        j.put("e", value("e1"), false); // never written: a crash loses it
        assertThat(j.get("e")).isEqualTo(value("e1"));
        // a second journal on the same file, without closing the first: what a restart after kill -9 reads
        try (RecordJournal after = new RecordJournal(file(), false)) {
            assertThat(after.get("a")).isEqualTo(value("a2"));
            assertThat(after.get("b")).isEqualTo(value("b1"));
            assertThat(after.get("c")).isNull();
            assertThat(after.get("d")).isEqualTo(value("d1"));
            assertThat(after.get("e")).isNull();
            assertThat(after.keys()).containsExactlyInAnyOrder("a", "b", "d");
            assertThat(after.tornBytes()).isZero();
        }
        j.close();
    }

    @Test
    void aTornTailIsCutAtOpenAndTheJournalGoesOn() throws IOException {
        try (RecordJournal j = new RecordJournal(file(), false)) {
            j.put("a", value("a1"), true);
            j.put("b", value("b1"), true);
            j.put("a", value("a2-longer"), true);
        }
        long whole = Files.size(file());
        // a kill -9 in the middle of the last write: its record is cut short
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.truncate(whole - 3);
        }
        try (RecordJournal j = new RecordJournal(file(), false)) {
            assertThat(j.tornBytes()).isEqualTo(whole - 3 - (whole - 4 - 4 - 2 - 1 - 1 - "a2-longer".length()));
            assertThat(j.get("a")).isEqualTo(value("a1")); // the torn update is gone, the one before it stays
            assertThat(j.get("b")).isEqualTo(value("b1"));
            j.put("c", value("c1"), true);
        }
        try (RecordJournal j = new RecordJournal(file(), false)) {
            assertThat(j.tornBytes()).isZero();
            assertThat(j.get("a")).isEqualTo(value("a1"));
            assertThat(j.get("c")).isEqualTo(value("c1"));
        }
    }

    @Test
    void aRecordFailingItsChecksumEndsTheJournal() throws IOException {
        try (RecordJournal j = new RecordJournal(file(), false)) {
            j.put("a", value("a1"), true);
            j.put("b", value("b1"), true);
        }
        long size = Files.size(file());
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'X'}), size - 1); // b's value, garbled
            ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0}), size); // and a few bytes of a next record
        }
        try (RecordJournal j = new RecordJournal(file(), false)) {
            assertThat(j.get("a")).isEqualTo(value("a1"));
            assertThat(j.get("b")).isNull();
            assertThat(j.tornBytes()).isEqualTo(4 + 4 + 2 + 1 + 1 + 2 + 3);
            assertThat(Files.size(file())).isEqualTo(size - (4 + 4 + 2 + 1 + 1 + 2));
        }
    }

    @Test
    void aFileThatIsNotAJournalIsRefusedAndLeftAsItWas() throws IOException {
        Files.write(file(), value("something else entirely"));
        assertThatThrownBy(() -> new RecordJournal(file(), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not a hub record journal");
        assertThat(Files.readAllBytes(file())).isEqualTo(value("something else entirely"));
    }

    @Test
    void aTornHeaderStartsEmpty() throws IOException {
        Files.write(file(), value("BQ2"));
        try (RecordJournal j = new RecordJournal(file(), false)) {
            assertThat(j.tornBytes()).isEqualTo(3);
            assertThat(j.keys()).isEmpty();
            j.put("a", value("a1"), true);
        }
        try (RecordJournal j = new RecordJournal(file(), false)) {
            assertThat(j.get("a")).isEqualTo(value("a1"));
        }
    }

    @Test
    void theFileIsCompactedToItsLiveRecordsOnceItOutgrowsThem() {
        byte[] big = new byte[1000];
        long maxSize = 0;
        try (RecordJournal j = new RecordJournal(file(), false)) {
            for (int i = 0; i < 20_000; i++) {
                Arrays.fill(big, (byte) i);
                j.put("client-" + (i % 3), big.clone(), true);
                maxSize = Math.max(maxSize, j.size());
            }
            j.put("gone", value("x"), true);
            j.remove("gone");
            j.writePending();
            // 20 MB written, the file never held more than the bound (plus the one write that crosses it)
            assertThat(j.compactions()).isGreaterThanOrEqualTo(4);
            assertThat(maxSize).isLessThanOrEqualTo(RecordJournal.COMPACT_MIN_BYTES + 2000);
            assertThat(j.liveBytes()).isBetween(3000L, 3100L);
        }
        try (RecordJournal j = new RecordJournal(file(), false)) {
            assertThat(j.keys()).containsExactlyInAnyOrder("client-0", "client-1", "client-2");
            for (int c = 0; c < 3; c++) {
                int last = 19_999 - ((19_999 - c) % 3);
                byte[] expected = new byte[1000];
                Arrays.fill(expected, (byte) last);
                assertThat(j.get("client-" + c)).isEqualTo(expected);
            }
        }
        assertThat(Files.exists(dir.resolve("qos2.journal.compact"))).isFalse();
    }

    @Test
    void inMemoryKeepsRecordsOnTheHeap() {
        RecordJournal j = RecordJournal.inMemory();
        j.put("a", value("a1"), true);
        j.put("b", value("b1"), false);
        j.remove("b");
        j.writePending();
        assertThat(j.get("a")).isEqualTo(value("a1"));
        assertThat(j.keys()).containsExactly("a");
        assertThat(j.size()).isZero();
    }

    /** A store written before the journal had the QoS 2 state in the MapDB map {@code inflight}: it moves, once. */
    @Test
    void aStoreWithTheOldMapDbRecordsMovesThemIntoTheJournal() {
        DB db = DBMaker.fileDB(dir.resolve(MapDbStore.FILE_NAME).toFile()).transactionEnable().make();
        Map<String, byte[]> old = db.hashMap("inflight", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        old.put("c1", value("record-1"));
        old.put("c2", value("record-2"));
        db.commit();
        db.close();

        try (MapDbStore store = new MapDbStore(dir, false, 60_000, 1 << 20, 1000)) {
            assertThat(store.inflight().get("c1")).isEqualTo(value("record-1"));
            assertThat(store.inflight().get("c2")).isEqualTo(value("record-2"));
            store.inflight().put("c2", value("record-2b"), true);
        }
        // the old map is empty now: the journal's newer record is not overwritten by it at the next start
        try (MapDbStore store = new MapDbStore(dir, false, 60_000, 1 << 20, 1000)) {
            assertThat(store.inflight().keys()).containsExactlyInAnyOrder("c1", "c2");
            assertThat(store.inflight().get("c2")).isEqualTo(value("record-2b"));
        }
        DB again = DBMaker.fileDB(dir.resolve(MapDbStore.FILE_NAME).toFile()).transactionEnable().make();
        assertThat(again.hashMap("inflight", Serializer.STRING, Serializer.BYTE_ARRAY).open()).isEmpty();
        again.close();
    }
}
