package io.baetyl.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client side of MQTT 3.1.1 that {@link RawManyToMany} writes, encoded by hand: CONNECT, SUBSCRIBE, PUBLISH (QoS
 * 0 and 1), PUBACK and PINGREQ. A load generator needs no more, and encoding a PUBLISH once and patching it per
 * message costs a copy where a client library allocates a message, a token and a packet per publish.
 */
final class MqttWire {
    static final int CONNECT = 1;
    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int SUBSCRIBE = 8;
    static final int SUBACK = 9;
    static final int PINGREQ = 12;
    static final int PINGRESP = 13;

    private MqttWire() {
    }

    /** CONNECT, protocol level 4 (3.1.1), clean session; username and password when not null. */
    static byte[] connect(String clientId, String username, String password, int keepAliveSeconds) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        putString(body, "MQTT");
        body.write(4);
        int flags = 0x02 | (username != null ? 0x80 : 0) | (password != null ? 0x40 : 0);
        body.write(flags);
        body.write(keepAliveSeconds >> 8);
        body.write(keepAliveSeconds);
        putString(body, clientId);
        if (username != null) {
            putString(body, username);
        }
        if (password != null) {
            putString(body, password);
        }
        return packet(CONNECT << 4, body.toByteArray());
    }

    /** SUBSCRIBE with one filter at {@code qos}. */
    static byte[] subscribe(int packetId, String filter, int qos) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId);
        putString(body, filter);
        body.write(qos);
        return packet(SUBSCRIBE << 4 | 0x02, body.toByteArray());
    }

    static byte[] pingreq() {
        return new byte[] {(byte) (PINGREQ << 4), 0};
    }

    static void putPuback(ByteBuffer out, int packetId) {
        out.put((byte) (PUBACK << 4)).put((byte) 2).putShort((short) packetId);
    }

    /**
     * One publisher's PUBLISH, encoded once: per message only the packet id (QoS 1) and the message index in the
     * payload change. The payload's first 8 bytes are the publisher index and the message index (big-endian ints),
     * which the subscribers check; the rest is filler.
     */
    static final class PublishTemplate {
        private final byte[] bytes;
        private final int packetIdOffset;
        private final int messageIndexOffset;

        PublishTemplate(String topic, int qos, int publisherIndex, int payloadBytes) {
            if (qos != 0 && qos != 1) {
                throw new IllegalArgumentException("QoS " + qos + ": only 0 and 1 are encoded here");
            }
            if (payloadBytes < 8) {
                throw new IllegalArgumentException("payload of " + payloadBytes
                        + " bytes: at least 8 are needed for the publisher and message index");
            }
            byte[] t = topic.getBytes(StandardCharsets.UTF_8);
            ByteBuffer body = ByteBuffer.allocate(2 + t.length + (qos > 0 ? 2 : 0) + payloadBytes);
            body.putShort((short) t.length).put(t);
            int idAt = body.position();
            if (qos > 0) {
                body.putShort((short) 1);
            }
            int payloadAt = body.position();
            body.putInt(publisherIndex).putInt(0);
            while (body.hasRemaining()) {
                body.put((byte) 'x');
            }
            bytes = packet(PUBLISH << 4 | qos << 1, body.array());
            int header = bytes.length - body.capacity();
            packetIdOffset = qos > 0 ? header + idAt : -1;
            messageIndexOffset = header + payloadAt + 4;
        }

        int length() {
            return bytes.length;
        }

        /** Appends the PUBLISH for message {@code messageIndex}; {@code packetId} is ignored at QoS 0. */
        void put(ByteBuffer out, int packetId, int messageIndex) {
            int at = out.position();
            out.put(bytes);
            if (packetIdOffset >= 0) {
                out.putShort(at + packetIdOffset, (short) packetId);
            }
            out.putInt(at + messageIndexOffset, messageIndex);
        }
    }

    private static void putString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    /** The fixed header (first byte, remaining length) followed by {@code body}. */
    static byte[] packet(int firstByte, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 5);
        out.write(firstByte);
        int len = body.length;
        do {
            int digit = len % 128;
            len /= 128;
            out.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
        out.write(body, 0, body.length);
        return out.toByteArray();
    }

    /** A packet that breaks MQTT 3.1.1 or this generator's bounds; the run stops on it. */
    static final class MalformedPacketException extends IOException {
        MalformedPacketException(String message) {
            super(message);
        }
    }
}
