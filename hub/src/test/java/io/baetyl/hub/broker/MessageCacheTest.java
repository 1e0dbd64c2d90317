package io.baetyl.hub.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessageCacheTest {
    private static Message message(long seq, int payloadBytes) {
        return new Message("t", new byte[payloadBytes], 1, false, "c", seq, 0);
    }

    @Test
    void holdsAtMostCountMessages() {
        MessageCache cache = new MessageCache(4, Long.MAX_VALUE);
        for (long s = 1; s <= 10; s++) {
            cache.add(message(s, 10));
        }
        assertThat(cache.get(6)).isNull();
        for (long s = 7; s <= 10; s++) {
            assertThat(cache.get(s)).isNotNull();
        }
    }

    @Test
    void holdsAtMostSizeBytesEvictingTheOldest() {
        long one = MessageCache.weight(message(1, 1000));
        MessageCache cache = new MessageCache(1000, 3 * one);
        for (long s = 1; s <= 10; s++) {
            cache.add(message(s, 1000));
            assertThat(cache.bytes()).isLessThanOrEqualTo(3 * one);
        }
        assertThat(cache.get(7)).isNull();
        assertThat(cache.get(8)).isNotNull();
        assertThat(cache.get(10)).isNotNull();
    }

    @Test
    void aMessageLargerThanTheBudgetIsNotCachedAndTheRestStaysContiguous() {
        long one = MessageCache.weight(message(1, 100));
        MessageCache cache = new MessageCache(1000, 3 * one);
        cache.add(message(1, 100));
        cache.add(message(2, 100));
        cache.add(message(3, 100_000));
        cache.add(message(4, 100));
        assertThat(cache.get(3)).isNull();
        assertThat(cache.get(1)).as("older than a message that was left out").isNull();
        assertThat(cache.get(4)).isNotNull();
        assertThat(cache.bytes()).isEqualTo(one);
    }

    @Test
    void startsAtAnySequenceWithoutWalkingFromOne() {
        MessageCache cache = new MessageCache(8, Long.MAX_VALUE);
        cache.add(message(5_000_000_000L, 1));
        cache.add(message(5_000_000_001L, 1));
        assertThat(cache.get(5_000_000_000L)).isNotNull();
        assertThat(cache.get(5_000_000_001L)).isNotNull();
    }

    @Test
    void aZeroCountDisablesTheCache() {
        MessageCache cache = new MessageCache(0, Long.MAX_VALUE);
        cache.add(message(1, 1));
        assertThat(cache.get(1)).isNull();
        assertThat(cache.bytes()).isZero();
    }
}
