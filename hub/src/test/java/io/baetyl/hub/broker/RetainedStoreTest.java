package io.baetyl.hub.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RetainedStoreTest {
    private final Map<String, byte[]> durable = new ConcurrentHashMap<>();
    private final Map<String, Integer> sizes = new ConcurrentHashMap<>();
    private final Metrics metrics = new Metrics();

    private static Message retained(String topic, String payload) {
        return new Message(topic, payload.getBytes(StandardCharsets.UTF_8), 0, true, "c");
    }

    private static int size(String topic, String payload) {
        return retained(topic, payload).encode().length;
    }

    @Test
    void aNewMessageOverTheCountBudgetIsRefusedAndCounted() {
        RetainedStore store = new RetainedStore(durable, sizes, Long.MAX_VALUE, 2, metrics);
        assertThat(store.put(retained("a", "1"))).isTrue();
        assertThat(store.put(retained("b", "1"))).isTrue();
        assertThat(store.put(retained("c", "1"))).isFalse();
        assertThat(metrics.retainedRefused.sum()).isEqualTo(1);
        // replacing and deleting still work at the limit
        assertThat(store.put(retained("a", "2"))).isTrue();
        assertThat(store.get("a").payload).isEqualTo("2".getBytes(StandardCharsets.UTF_8));
        assertThat(store.put(retained("b", ""))).isTrue();
        assertThat(store.put(retained("c", "1"))).isTrue();
        assertThat(store.matching("#")).containsExactlyInAnyOrder("a", "c");
        store.writeUnwritten();
        assertThat(durable).containsOnlyKeys("a", "c");
        assertThat(sizes).containsOnlyKeys("a", "c");
    }

    @Test
    void aMessageOverTheByteBudgetIsRefused() {
        long budget = size("a", "x".repeat(100)) + size("b", "x".repeat(100));
        RetainedStore store = new RetainedStore(durable, sizes, budget, Long.MAX_VALUE, metrics);
        assertThat(store.put(retained("a", "x".repeat(100)))).isTrue();
        assertThat(store.put(retained("b", "x".repeat(100)))).isTrue();
        assertThat(store.bytes()).isEqualTo(budget);
        assertThat(store.put(retained("b", "x".repeat(101)))).as("a larger replacement that does not fit").isFalse();
        assertThat(store.put(retained("b", "x".repeat(50)))).isTrue();
        assertThat(store.put(retained("c", "x".repeat(10)))).isTrue();
        assertThat(store.bytes()).isLessThanOrEqualTo(budget);
    }

    @Test
    void atStartOnlyTheSizesAreReadAndWhatIsOverTodaysBudgetIsDeleted() {
        RetainedStore first = new RetainedStore(durable, sizes, Long.MAX_VALUE, 10, metrics);
        for (int i = 0; i < 5; i++) {
            first.put(retained("t/" + i, "v" + i));
        }
        first.writeUnwritten();
        Map<String, byte[]> counting = new ConcurrentHashMap<>(durable) {
            @Override
            public java.util.Set<Entry<String, byte[]>> entrySet() {
                throw new AssertionError("the payloads were read at start");
            }
        };
        RetainedStore smaller = new RetainedStore(counting, sizes, Long.MAX_VALUE, 3, metrics);
        assertThat(smaller.count()).isEqualTo(3);
        assertThat(counting).hasSize(3);
        assertThat(sizes).hasSize(3);
        for (String t : smaller.matching("t/+")) {
            assertThat(smaller.get(t)).isNotNull();
        }
    }

    @Test
    void aStoreOfAnEarlierVersionGetsItsSizesOnce() {
        durable.put("old", retained("old", "payload").withSeq(0).encode());
        RetainedStore store = new RetainedStore(durable, sizes, Long.MAX_VALUE, 10, metrics);
        assertThat(store.count()).isEqualTo(1);
        assertThat(sizes).containsEntry("old", size("old", "payload"));
        assertThat(store.get("old").topic).isEqualTo("old");
    }

    private static String text(Message m) {
        return new String(m.payload, StandardCharsets.UTF_8);
    }

    @Test
    void putsAndDeletesAreReadAtOnceAndReachTheStoreWhenWritten() {
        durable.put("old", retained("old", "stored").withSeq(0).encode());
        RetainedStore store = new RetainedStore(durable, sizes, Long.MAX_VALUE, 10, metrics);
        store.put(retained("new", "1"));
        store.put(retained("old", ""));
        assertThat(text(store.get("new"))).isEqualTo("1");
        assertThat(store.get("old")).as("deleted, though still in the store").isNull();
        assertThat(durable).containsOnlyKeys("old");

        assertThat(store.writeUnwritten()).isEqualTo(2);
        assertThat(durable).containsOnlyKeys("new");
        assertThat(sizes).containsOnlyKeys("new");
        assertThat(text(store.get("new"))).isEqualTo("1");
        assertThat(store.writeUnwritten()).as("nothing left to write").isZero();
    }

    @Test
    void pastThePauseBoundAPublisherWaitsUntilTheBufferIsWritten() {
        RetainedStore store = new RetainedStore(durable, sizes, Long.MAX_VALUE, Long.MAX_VALUE, metrics);
        for (int i = 0; i < RetainedStore.PAUSE_COUNT; i++) {
            store.put(retained("t/" + i, "v"));
        }
        assertThat(store.full()).isFalse();
        store.put(retained("t/x", "v"));
        assertThat(store.full()).isTrue();

        AtomicInteger resumed = new AtomicInteger();
        store.whenWritten(resumed::incrementAndGet, "flooder");
        assertThat(resumed).as("still full: the publisher waits").hasValue(0);
        assertThat(metrics.retainedWritePauses.sum()).isEqualTo(1);
        store.writeUnwritten();
        assertThat(store.full()).isFalse();
        assertThat(resumed).hasValue(1);
        store.writeUnwritten();
        assertThat(resumed).as("resumed once").hasValue(1);

        store.whenWritten(resumed::incrementAndGet, "late");
        assertThat(resumed).as("written before it asked: resumed at once").hasValue(2);
        assertThat(durable).hasSize(RetainedStore.PAUSE_COUNT + 1);
        assertThat(metrics.retainedWriteWaits.sum()).isZero();
    }

    @Test
    void pastTheHardBoundThePutWritesTheBufferItselfAndIsCounted() {
        RetainedStore store = new RetainedStore(durable, sizes, Long.MAX_VALUE, Long.MAX_VALUE, metrics);
        String mb = "x".repeat(1 << 20);
        long n = RetainedStore.MAX_BYTES >> 20; // each message is a little over 1 MB: the n-th one crosses the bound
        for (int i = 0; i < n - 1; i++) {
            store.put(retained("big/" + i, mb));
        }
        assertThat(durable).isEmpty();
        store.put(retained("big/last", mb));
        assertThat(durable).hasSize((int) n);
        assertThat(metrics.retainedWriteWaits.sum()).isEqualTo(1);
        assertThat(store.full()).isFalse();
    }

    /** The store as MapDB is during a commit: a write waits until the commit is done. */
    private static final class CommittingStore extends ConcurrentHashMap<String, byte[]> {
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch commitDone = new CountDownLatch(1);

        @Override
        public byte[] put(String key, byte[] value) {
            writing.countDown();
            try {
                if (!commitDone.await(20, TimeUnit.SECONDS)) {
                    throw new AssertionError("the commit never ended");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return super.put(key, value);
        }
    }

    @Test
    void aPutDoesNotWaitForTheStoreAndItsNewestValueWins() throws Exception {
        CommittingStore store = new CommittingStore();
        RetainedStore retainedStore = new RetainedStore(store, sizes, Long.MAX_VALUE, 10, metrics);
        retainedStore.put(retained("a", "1"));
        CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(retainedStore::writeUnwritten);
        assertThat(store.writing.await(10, TimeUnit.SECONDS)).as("the writer reached the store").isTrue();

        // the store is locked by its commit: a publisher's put must not wait for it
        CompletableFuture<Boolean> put = CompletableFuture.supplyAsync(() -> retainedStore.put(retained("a", "2")));
        assertThat(put.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(text(retainedStore.get("a"))).isEqualTo("2");
        assertThat(writer).isNotDone();

        store.commitDone.countDown();
        assertThat(writer.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(text(retainedStore.get("a"))).as("the older value written meanwhile does not hide the newer").isEqualTo("2");
        retainedStore.writeUnwritten();
        assertThat(text(Message.decode(store.get("a"), 0))).isEqualTo("2");
    }
}
