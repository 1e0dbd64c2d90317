package io.baetyl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BoundedQueueTest {
    @Test
    void boundedInCountAndBytesButAnOversizedItemPassesAlone() throws Exception {
        BoundedQueue<String> q = new BoundedQueue<>(2, 100);
        assertThat(q.offer("a", 60)).isTrue();
        assertThat(q.offer("b", 60)).as("over the byte bound").isFalse();
        assertThat(q.offer("b", 40)).isTrue();
        assertThat(q.offer("c", 1)).as("over the count bound").isFalse();
        assertThat(q.peek(0)).isEqualTo("a");
        q.removeHead();
        q.removeHead();
        assertThat(q.offer("huge", 1000)).as("alone in an empty queue").isTrue();
        assertThat(q.bytes()).isEqualTo(1000);
    }

    @Test
    void putWaitsForRoomAndGivesUpWhenToldTo() throws Exception {
        BoundedQueue<String> q = new BoundedQueue<>(1, 100);
        q.offer("a", 1);
        CountDownLatch added = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            if (q.put("b", 1, () -> false)) {
                added.countDown();
            }
        });
        t.start();
        assertThat(added.await(300, TimeUnit.MILLISECONDS)).as("no room yet").isFalse();
        q.removeHead();
        assertThat(added.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(q.peek(0)).isEqualTo("b");

        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch gaveUp = new CountDownLatch(1);
        Thread t2 = new Thread(() -> {
            if (!q.put("c", 1, stop::get)) {
                gaveUp.countDown();
            }
        });
        t2.start();
        stop.set(true);
        assertThat(gaveUp.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(q.size()).isEqualTo(1);
    }
}
