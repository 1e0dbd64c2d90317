package io.baetyl.hub.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.hub.broker.ByteBudget;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.Metrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Qos0QueueTest {
    private final Metrics metrics = new Metrics();

    private static Message message(int i, int bytes) {
        byte[] p = new byte[bytes];
        byte[] n = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, p, 0, n.length);
        return new Message("t", p, 0, false, "c");
    }

    private static List<Integer> drain(Qos0Queue q) {
        List<Integer> out = new ArrayList<>();
        Message m;
        while ((m = q.poll()) != null) {
            out.add(Integer.parseInt(new String(m.payload, StandardCharsets.UTF_8).trim().replace("\0", "")));
        }
        return out;
    }

    @Test
    void aSlowSubscriberLosesItsOldestMessagesAtTheCountLimit() {
        Qos0Queue q = new Qos0Queue(3, Long.MAX_VALUE, new ByteBudget(Long.MAX_VALUE), metrics);
        for (int i = 1; i <= 5; i++) {
            assertThat(q.offer(message(i, 8))).isTrue();
        }
        assertThat(metrics.dropped.sum()).isEqualTo(2);
        assertThat(drain(q)).containsExactly(3, 4, 5);
    }

    @Test
    void aSlowSubscriberLosesItsOldestMessagesAtTheByteLimit() {
        long w = Qos0Queue.weight(message(1, 1000));
        ByteBudget total = new ByteBudget(Long.MAX_VALUE);
        Qos0Queue q = new Qos0Queue(1000, 2 * w, total, metrics);
        for (int i = 1; i <= 5; i++) {
            q.offer(message(i, 1000));
            assertThat(total.used()).isLessThanOrEqualTo(2 * w);
        }
        assertThat(drain(q)).containsExactly(4, 5);
        assertThat(total.used()).isZero();
        // a message that can never fit is dropped at once
        assertThat(q.offer(message(6, 5000))).isFalse();
        assertThat(metrics.dropped.sum()).isEqualTo(4);
    }

    @Test
    void whenTheSharedBudgetIsSpentASessionGivesUpItsOwnOldestOrTheNewMessage() {
        long w = Qos0Queue.weight(message(1, 1000));
        ByteBudget total = new ByteBudget(3 * w);
        Qos0Queue slow = new Qos0Queue(1000, Long.MAX_VALUE, total, metrics);
        Qos0Queue other = new Qos0Queue(1000, Long.MAX_VALUE, total, metrics);
        for (int i = 1; i <= 3; i++) {
            slow.offer(message(i, 1000));
        }
        assertThat(other.offer(message(100, 1000))).as("nothing of its own to give up").isFalse();
        assertThat(slow.offer(message(4, 1000))).isTrue();
        assertThat(total.used()).isEqualTo(3 * w);
        assertThat(drain(slow)).containsExactly(2, 3, 4);
        assertThat(other.offer(message(101, 1000))).isTrue();
        other.clear();
        assertThat(total.used()).isZero();
    }
}
