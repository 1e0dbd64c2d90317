package io.baetyl.hub.broker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An application message inside the hub. Immutable; {@code seq} is the position in the QoS 1 log (0 for messages
 * that were never logged).
 */
public final class Message {
    private static final byte[] EMPTY = new byte[0];

    public final String topic;
    public final byte[] payload;
    public final int qos;
    public final boolean retain;
    public final String clientId;
    public final long seq;
    public final long timestamp;

    public Message(String topic, byte[] payload, int qos, boolean retain, String clientId) {
        this(topic, payload, qos, retain, clientId, 0, System.currentTimeMillis());
    }

    public Message(String topic, byte[] payload, int qos, boolean retain, String clientId, long seq, long timestamp) {
        this.topic = topic;
        this.payload = payload == null ? EMPTY : payload;
        this.qos = qos;
        this.retain = retain;
        this.clientId = clientId == null ? "" : clientId;
        this.seq = seq;
        this.timestamp = timestamp;
    }

    public Message withSeq(long s) {
        return new Message(topic, payload, qos, retain, clientId, s, timestamp);
    }

    public Message withTopicQos(String t, int q) {
        return new Message(t, payload, q, false, clientId, 0, System.currentTimeMillis());
    }

    public Message withRetain(boolean r) {
        return new Message(topic, payload, qos, r, clientId, seq, timestamp);
    }

    /** Layout: timestamp(8) flags(1) topicLen(2) topic clientIdLen(2) clientId payload. */
    public byte[] encode() {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] c = clientId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + 1 + 2 + t.length + 2 + c.length + payload.length);
        b.putLong(timestamp);
        b.put((byte) (qos | (retain ? 0x10 : 0)));
        b.putShort((short) t.length).put(t);
        b.putShort((short) c.length).put(c);
        b.put(payload);
        return b.array();
    }

    public static Message decode(byte[] data, long seq) {
        ByteBuffer b = ByteBuffer.wrap(data);
        long ts = b.getLong();
        int flags = b.get();
        byte[] t = new byte[b.getShort() & 0xFFFF];
        b.get(t);
        byte[] c = new byte[b.getShort() & 0xFFFF];
        b.get(c);
        byte[] p = new byte[b.remaining()];
        b.get(p);
        return new Message(new String(t, StandardCharsets.UTF_8), p, flags & 0x03, (flags & 0x10) != 0,
                new String(c, StandardCharsets.UTF_8), seq, ts);
    }

    /** Timestamp of an encoded message without decoding the rest (for retention cleanup). */
    public static long timestampOf(byte[] data) {
        return ByteBuffer.wrap(data).getLong();
    }

    @Override
    public String toString() {
        return "Message{topic=" + topic + ", qos=" + qos + ", retain=" + retain + ", seq=" + seq + ", bytes=" + payload.length + "}";
    }
}
