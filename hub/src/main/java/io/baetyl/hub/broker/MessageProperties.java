package io.baetyl.hub.broker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The MQTT 5 properties of an application message that travel with it from publisher to subscribers: payload format
 * indicator, message expiry interval, content type, response topic, correlation data and user properties. Immutable.
 * A message without any of them has no instance at all ({@link Message#props} is null), so 3.1.1 traffic costs nothing.
 *
 * <p>Stored with the message (QoS 1/2 log, retained store, wills) in a small encoding of its own: per property the MQTT
 * property identifier, then its value (a byte, a 4-byte integer, or 2-byte-length-prefixed UTF-8 or binary data).
 */
public final class MessageProperties {
    static final int PAYLOAD_FORMAT = 0x01;
    static final int EXPIRY = 0x02;
    static final int CONTENT_TYPE = 0x03;
    static final int RESPONSE_TOPIC = 0x08;
    static final int CORRELATION_DATA = 0x09;
    static final int USER_PROPERTY = 0x26;

    /** 0 (unspecified bytes) or 1 (UTF-8), -1 when absent. */
    public final int payloadFormat;
    /** Message expiry interval in seconds as the publisher sent it, -1 when absent (the message never expires). */
    public final long expirySeconds;
    public final String contentType;
    public final String responseTopic;
    public final byte[] correlationData;
    /** Name, value, name, value, ... in the publisher's order (names may repeat, MQTT 5 §3.3.2.3.7). */
    public final List<String> userProperties;

    public MessageProperties(int payloadFormat, long expirySeconds, String contentType, String responseTopic,
                             byte[] correlationData, List<String> userProperties) {
        this.payloadFormat = payloadFormat;
        this.expirySeconds = expirySeconds;
        this.contentType = contentType;
        this.responseTopic = responseTopic;
        this.correlationData = correlationData;
        this.userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    /** Null if nothing is set, so that a message without properties carries none. */
    public static MessageProperties orNull(MessageProperties p) {
        return p == null || p.isEmpty() ? null : p;
    }

    boolean isEmpty() {
        return payloadFormat < 0 && expirySeconds < 0 && contentType == null && responseTopic == null
                && correlationData == null && userProperties.isEmpty();
    }

    /** The same properties with another expiry interval (a route republishing a message keeps what was left of it). */
    public MessageProperties withExpirySeconds(long seconds) {
        return new MessageProperties(payloadFormat, seconds, contentType, responseTopic, correlationData, userProperties);
    }

    /** Bytes of the stored encoding (what these properties count in budgets). */
    public int encodedLength() {
        int n = 0;
        if (payloadFormat >= 0) {
            n += 2;
        }
        if (expirySeconds >= 0) {
            n += 5;
        }
        n += stringLength(contentType) + stringLength(responseTopic);
        if (correlationData != null) {
            n += 3 + correlationData.length;
        }
        for (int i = 0; i + 1 < userProperties.size(); i += 2) {
            n += 1 + 2 + utf8(userProperties.get(i)).length + 2 + utf8(userProperties.get(i + 1)).length;
        }
        return n;
    }

    private static int stringLength(String s) {
        return s == null ? 0 : 3 + utf8(s).length;
    }

    void encode(ByteBuffer b) {
        if (payloadFormat >= 0) {
            b.put((byte) PAYLOAD_FORMAT).put((byte) payloadFormat);
        }
        if (expirySeconds >= 0) {
            b.put((byte) EXPIRY).putInt((int) expirySeconds);
        }
        putString(b, CONTENT_TYPE, contentType);
        putString(b, RESPONSE_TOPIC, responseTopic);
        if (correlationData != null) {
            b.put((byte) CORRELATION_DATA).putShort((short) correlationData.length).put(correlationData);
        }
        for (int i = 0; i + 1 < userProperties.size(); i += 2) {
            b.put((byte) USER_PROPERTY);
            putBytes(b, utf8(userProperties.get(i)));
            putBytes(b, utf8(userProperties.get(i + 1)));
        }
    }

    /** Reads {@code length} bytes of the encoding at the buffer's position. */
    static MessageProperties decode(ByteBuffer b, int length) {
        int end = b.position() + length;
        int format = -1;
        long expiry = -1;
        String contentType = null;
        String responseTopic = null;
        byte[] correlation = null;
        List<String> user = new ArrayList<>();
        while (b.position() < end) {
            int id = b.get() & 0xFF;
            switch (id) {
                case PAYLOAD_FORMAT -> format = b.get() & 0xFF;
                case EXPIRY -> expiry = Integer.toUnsignedLong(b.getInt());
                case CONTENT_TYPE -> contentType = getString(b);
                case RESPONSE_TOPIC -> responseTopic = getString(b);
                case CORRELATION_DATA -> correlation = getBytes(b);
                case USER_PROPERTY -> {
                    user.add(getString(b));
                    user.add(getString(b));
                }
                default -> throw new IllegalArgumentException("unknown message property " + id);
            }
        }
        return new MessageProperties(format, expiry, contentType, responseTopic, correlation, user);
    }

    private static void putString(ByteBuffer b, int id, String s) {
        if (s != null) {
            b.put((byte) id);
            putBytes(b, utf8(s));
        }
    }

    private static void putBytes(ByteBuffer b, byte[] v) {
        b.putShort((short) v.length).put(v);
    }

    private static String getString(ByteBuffer b) {
        return new String(getBytes(b), StandardCharsets.UTF_8);
    }

    private static byte[] getBytes(ByteBuffer b) {
        byte[] v = new byte[b.getShort() & 0xFFFF];
        b.get(v);
        return v;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "MessageProperties{format=" + payloadFormat + ", expiry=" + expirySeconds + ", contentType=" + contentType
                + ", responseTopic=" + responseTopic + ", correlation=" + (correlationData == null ? -1 : correlationData.length)
                + ", user=" + userProperties + "}";
    }
}
