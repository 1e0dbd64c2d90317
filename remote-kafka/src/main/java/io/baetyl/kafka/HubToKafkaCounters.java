package io.baetyl.kafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** What one {@link HubToKafka} rule counts, for its report. */
final class HubToKafkaCounters {
    final AtomicLong forwarded = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong droppedQos0 = new AtomicLong();
    final AtomicLong droppedTooLarge = new AtomicLong();
    final AtomicLong droppedInvalid = new AtomicLong();
    final AtomicLong staleAcks = new AtomicLong();
    final AtomicLong staleSkipped = new AtomicLong();
    final AtomicLong sendRetries = new AtomicLong();
    final AtomicLong notAcknowledged = new AtomicLong();
    final AtomicLong ackWrites = new AtomicLong();
    final AtomicReference<String> lastError = new AtomicReference<>("");
    /** From receipt from the hub to Kafka's acknowledgement, of the forwarded messages. */
    final AtomicLong ackNanosSum = new AtomicLong();
    final AtomicLong ackNanosMax = new AtomicLong();

    /** The rule's report, with the number of messages {@code pending} and what its {@code queue} holds. */
    Map<String, Object> stats(int pending, BoundedQueue<?> queue) {
        Map<String, Object> s = new LinkedHashMap<>();
        long n = forwarded.get();
        s.put("forwarded", n);
        s.put("pending", pending);
        s.put("kafka_ack_ms_avg", n == 0 ? 0.0 : Math.round(ackNanosSum.get() / (double) n / 1e4) / 100.0);
        s.put("kafka_ack_ms_max", Math.round(ackNanosMax.get() / 1e4) / 100.0);
        s.put("ack_writes", ackWrites.get());
        s.put("queued", queue.size());
        s.put("queued_bytes", queue.bytes());
        s.put("duplicates_ignored", duplicates.get());
        s.put("dropped_qos0", droppedQos0.get());
        s.put("dropped_too_large", droppedTooLarge.get());
        s.put("dropped_invalid", droppedInvalid.get());
        s.put("send_retries", sendRetries.get());
        s.put("not_acknowledged", notAcknowledged.get());
        s.put("skipped_after_reconnect", staleSkipped.get());
        s.put("acks_skipped_after_reconnect", staleAcks.get());
        s.put("last_error", lastError.get());
        return s;
    }
}
