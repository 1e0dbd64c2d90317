package io.baetyl.hub.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

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
}
