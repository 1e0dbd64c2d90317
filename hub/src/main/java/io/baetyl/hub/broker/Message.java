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
    /** MQTT 5 properties carried to subscribers; null when the publisher set none (and always for 3.1.1). */
    public final MessageProperties props;

    public Message(String topic, byte[] payload, int qos, boolean retain, String clientId) {
        this(topic, payload, qos, retain, clientId, 0, System.currentTimeMillis());
    }

    public Message(String topic, byte[] payload, int qos, boolean retain, String clientId, MessageProperties props) {
        this(topic, payload, qos, retain, clientId, 0, System.currentTimeMillis(), props);
    }

    public Message(String topic, byte[] payload, int qos, boolean retain, String clientId, long seq, long timestamp) {
        this(topic, payload, qos, retain, clientId, seq, timestamp, null);
    }

    public Message(String topic, byte[] payload, int qos, boolean retain, String clientId, long seq, long timestamp,
                   MessageProperties props) {
        this.props = MessageProperties.orNull(props);
        this.topic = topic;
        this.payload = payload == null ? EMPTY : payload;
        this.qos = qos;
        this.retain = retain;
        this.clientId = clientId == null ? "" : clientId;
        this.seq = seq;
        this.timestamp = timestamp;
    }

    public Message withSeq(long s) {
        return new Message(topic, payload, qos, retain, clientId, s, timestamp, props);
    }

    /** A route's copy: a new message now, with what is left of the original's expiry interval. */
    public Message withTopicQos(String t, int q) {
        long now = System.currentTimeMillis();
        MessageProperties p = props == null || props.expirySeconds < 0 ? props
                : props.withExpirySeconds(Math.max(0, remainingExpirySeconds(now)));
        return new Message(t, payload, q, false, clientId, 0, now, p);
    }

    public Message withRetain(boolean r) {
        return new Message(topic, payload, qos, r, clientId, seq, timestamp, props);
    }

    /** The same message as published now (a will: its expiry interval counts from when it is sent). */
    public Message publishedNow() {
        return new Message(topic, payload, qos, retain, clientId, 0, System.currentTimeMillis(), props);
    }

    // ---- MQTT 5 message expiry ----------------------------------------------------------------------------------------

    /** Whether the message's expiry interval has passed at {@code nowMillis} (never without one). */
    public boolean expired(long nowMillis) {
        return props != null && props.expirySeconds >= 0 && nowMillis >= timestamp + props.expirySeconds * 1000;
    }

    /**
     * The expiry interval a subscriber is told at {@code nowMillis}: what is left, rounded up (MQTT 5 §3.3.2.3.3), at
     * least 1 for a message whose delivery started in time and is resent later; -1 without one.
     */
    public long remainingExpirySeconds(long nowMillis) {
        if (props == null || props.expirySeconds < 0) {
            return -1;
        }
        long leftMillis = timestamp + props.expirySeconds * 1000 - nowMillis;
        return Math.max(1, (leftMillis + 999) / 1000);
    }

    /** Bytes of the MQTT 5 properties (counted in the queues' and caches' budgets with the payload). */
    public int propsLength() {
        return props == null ? 0 : props.encodedLength();
    }

    private static final int FLAG_RETAIN = 0x10;
    /** Set when an MQTT 5 properties block follows the client id; stores of earlier versions never set it. */
    private static final int FLAG_PROPS = 0x20;

    /**
     * Layout: timestamp(8) flags(1) topicLen(2) topic clientIdLen(2) clientId [propsLen(4) props] payload. The
     * properties block is there only with flag 0x20, so what an earlier version wrote decodes unchanged.
     */
    public byte[] encode() {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] c = clientId.getBytes(StandardCharsets.UTF_8);
        int pl = propsLength();
        ByteBuffer b = ByteBuffer.allocate(8 + 1 + 2 + t.length + 2 + c.length + (props == null ? 0 : 4 + pl) + payload.length);
        b.putLong(timestamp);
        b.put((byte) (qos | (retain ? FLAG_RETAIN : 0) | (props == null ? 0 : FLAG_PROPS)));
        b.putShort((short) t.length).put(t);
        b.putShort((short) c.length).put(c);
        if (props != null) {
            b.putInt(pl);
            props.encode(b);
        }
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
        MessageProperties props = null;
        if ((flags & FLAG_PROPS) != 0) {
            props = MessageProperties.decode(b, b.getInt());
        }
        byte[] p = new byte[b.remaining()];
        b.get(p);
        return new Message(new String(t, StandardCharsets.UTF_8), p, flags & 0x03, (flags & FLAG_RETAIN) != 0,
                new String(c, StandardCharsets.UTF_8), seq, ts, props);
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
