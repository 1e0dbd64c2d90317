package io.baetyl.hub.broker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Hub counters, reported to the master every {@code metrics.report.interval}. */
public final class Metrics {
    public final AtomicLong connections = new AtomicLong();
    public final LongAdder connectionsTotal = new LongAdder();
    public final LongAdder messagesInQos0 = new LongAdder();
    public final LongAdder messagesInQos1 = new LongAdder();
    public final LongAdder messagesOutQos0 = new LongAdder();
    public final LongAdder messagesOutQos1 = new LongAdder();
    public final LongAdder messagesResent = new LongAdder();
    public final LongAdder bytesIn = new LongAdder();
    public final LongAdder bytesOut = new LongAdder();
    public final LongAdder dropped = new LongAdder();
    public final LongAdder persisted = new LongAdder();
    /** QoS 1 publishes not stored (log at its cap, or a failed write): no PUBACK, the connection was closed. */
    public final LongAdder refusedQos1 = new LongAdder();
    /** Retained messages not stored because of the retained budget (the message itself was delivered). */
    public final LongAdder retainedRefused = new LongAdder();
    /** Publishers not read for a while because the retained messages' write-behind buffer was full. */
    public final LongAdder retainedWritePauses = new LongAdder();
    /** Retained puts that found the write-behind buffer at its hard bound and wrote it on the publisher's thread. */
    public final LongAdder retainedWriteWaits = new LongAdder();
    /** Connections closed because no CONNECT arrived within {@code connect.timeout}. */
    public final LongAdder connectTimeouts = new LongAdder();
    /** Messages not delivered to a subscriber because their MQTT 5 message expiry interval had passed. */
    public final LongAdder messagesExpired = new LongAdder();
    /** Messages not delivered to an MQTT 5 subscriber because the PUBLISH would exceed its maximum packet size. */
    public final LongAdder messagesTooLarge = new LongAdder();

    public Map<String, Object> snapshot(long backlog, long lastSeq, int sessions, int retained) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connections", connections.get());
        m.put("connections_total", connectionsTotal.sum());
        m.put("sessions", sessions);
        m.put("messages_in_qos0", messagesInQos0.sum());
        m.put("messages_in_qos1", messagesInQos1.sum());
        m.put("messages_out_qos0", messagesOutQos0.sum());
        m.put("messages_out_qos1", messagesOutQos1.sum());
        m.put("messages_resent", messagesResent.sum());
        m.put("bytes_in", bytesIn.sum());
        m.put("bytes_out", bytesOut.sum());
        m.put("messages_dropped", dropped.sum());
        m.put("messages_persisted", persisted.sum());
        m.put("messages_refused_qos1", refusedQos1.sum());
        m.put("retained_refused", retainedRefused.sum());
        m.put("retained_write_pauses", retainedWritePauses.sum());
        m.put("retained_write_waits", retainedWriteWaits.sum());
        m.put("connect_timeouts", connectTimeouts.sum());
        m.put("messages_expired", messagesExpired.sum());
        m.put("messages_too_large", messagesTooLarge.sum());
        m.put("persisted_backlog", backlog);
        m.put("persisted_sequence", lastSeq);
        m.put("retained", retained);
        return m;
    }
}
