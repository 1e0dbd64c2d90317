package io.baetyl.hub.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.hub.persist.RecordJournal;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log positions of inbound QoS 2 messages stored but not yet released stay in the log: a resent PUBLISH after a
 * restart is recognised by comparing it with the stored message, and one already deleted as consumed was stored and
 * delivered a second time (Qos2CrashIT#kill9MidStreamLosesAndDuplicatesNothing, 2-4 of 10 under load before).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InflightStoreTest {
    @TempDir
    Path dir;

    @Test
    void theOldestUnreleasedInboundMessageIsTrackedAcrossPutsRemovesAndARestart() {
        Path file = dir.resolve("qos2.journal");
        RecordJournal journal = new RecordJournal(file, false);
        InflightStore store = new InflightStore(journal, 100);
        assertThat(store.oldestReceived()).isEqualTo(Long.MAX_VALUE);

        InflightStore.Record a = new InflightStore.Record();
        a.received.put(1, 45L);
        a.received.put(2, 40L);
        store.put("a", a, false);
        InflightStore.Record b = new InflightStore.Record();
        b.received.put(7, 30L);
        store.put("b", b, true);
        assertThat(store.oldestReceived()).isEqualTo(30);

        b.received.clear(); // its PUBREL came
        b.offset = 12;
        store.put("b", b, false);
        assertThat(store.oldestReceived()).isEqualTo(40);

        store.writePending();
        journal.close();
        InflightStore reopened = new InflightStore(new RecordJournal(file, false), 100);
        assertThat(reopened.oldestReceived()).as("after a restart, from the journal").isEqualTo(40);

        reopened.remove("a");
        assertThat(reopened.oldestReceived()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anEntryWhoseMessageNeverReachedTheLogDoesNotHoldItBack() {
        Path file = dir.resolve("qos2.journal");
        RecordJournal journal = new RecordJournal(file, false);
        InflightStore store = new InflightStore(journal, 100);
        InflightStore.Record a = new InflightStore.Record();
        a.received.put(1, 90L);
        a.received.put(2, 101L); // recorded, then the process died before the log write
        store.put("a", a, true);
        journal.close();
        InflightStore reopened = new InflightStore(new RecordJournal(file, false), 100);
        assertThat(reopened.oldestReceived()).isEqualTo(90);
        assertThat(reopened.get("a").received).containsOnlyKeys(1);
    }
}
