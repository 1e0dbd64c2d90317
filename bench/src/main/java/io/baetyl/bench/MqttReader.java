package io.baetyl.bench;

import io.baetyl.bench.MqttWire.MalformedPacketException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A streaming decoder of what a broker sends an MQTT 3.1.1 client that publishes and subscribes at QoS 0 and 1:
 * CONNACK, SUBACK, PUBLISH, PUBACK, PINGRESP. Bytes go into {@link #buffer()} (e.g. by a channel read); {@link #drain}
 * hands every complete packet to a {@link Handler} and keeps the start of an incomplete one for the next read. The
 * buffer is the bound: it holds at most {@code maxBytes}, and a packet larger than that is refused rather than
 * buffered. Anything else (another packet type, QoS 2, bad flags or lengths) is a {@link MalformedPacketException}.
 */
final class MqttReader {
    /** Receives decoded packets; the {@code ByteBuffer} of a PUBLISH is only valid during the call. */
    interface Handler {
        void connack(boolean sessionPresent, int returnCode) throws IOException;

        void suback(int packetId, byte[] returnCodes) throws IOException;

        void publish(int qos, boolean dup, int packetId, ByteBuffer buf, int topicOffset, int topicLength,
                int payloadOffset, int payloadLength) throws IOException;

        void puback(int packetId) throws IOException;

        void pingresp() throws IOException;
    }

    private final ByteBuffer buf;

    MqttReader(int maxBytes) {
        buf = ByteBuffer.allocate(maxBytes);
    }

    /** Where the next bytes go (in write mode); {@code read(buffer())} never takes more than the bound. */
    ByteBuffer buffer() {
        return buf;
    }

    int maxBytes() {
        return buf.capacity();
    }

    /** Copies bytes in, as a read would; more than the free space is refused. */
    void feed(byte[] b, int off, int len) throws MalformedPacketException {
        if (len > buf.remaining()) {
            throw new MalformedPacketException(len + " bytes do not fit the reader's free " + buf.remaining()
                    + " of " + buf.capacity() + " bytes");
        }
        buf.put(b, off, len);
    }

    /** Decodes every complete packet buffered; returns how many. */
    int drain(Handler h) throws IOException {
        buf.flip();
        int n = 0;
        try {
            while (true) {
                int start = buf.position();
                int avail = buf.remaining();
                if (avail < 2) {
                    break;
                }
                int len = 0;
                int header = 1;
                boolean complete = false;
                for (int mult = 1; header < avail; mult *= 128) {
                    int digit = buf.get(start + header++) & 0xff;
                    len += (digit & 0x7f) * mult;
                    if ((digit & 0x80) == 0) {
                        complete = true;
                        break;
                    }
                    if (header == 5) {
                        throw new MalformedPacketException("remaining length longer than 4 bytes");
                    }
                }
                if (!complete) {
                    break;
                }
                long total = (long) header + len;
                if (total > buf.capacity()) {
                    throw new MalformedPacketException("packet of " + total + " bytes exceeds the reader's bound of "
                            + buf.capacity() + " bytes");
                }
                if (avail < total) {
                    break;
                }
                dispatch(buf.get(start) & 0xff, start + header, len, h);
                buf.position(start + (int) total);
                n++;
            }
        } finally {
            buf.compact();
        }
        return n;
    }

    private void dispatch(int first, int at, int len, Handler h) throws IOException {
        int type = first >> 4;
        int flags = first & 0x0f;
        if (type != MqttWire.PUBLISH && flags != 0) {
            throw new MalformedPacketException("packet type " + type + " with flags " + flags);
        }
        switch (type) {
            case MqttWire.CONNACK -> {
                expectLength("CONNACK", len, 2);
                h.connack((buf.get(at) & 1) != 0, buf.get(at + 1) & 0xff);
            }
            case MqttWire.PUBACK -> {
                expectLength("PUBACK", len, 2);
                h.puback(buf.getShort(at) & 0xffff);
            }
            case MqttWire.PINGRESP -> {
                expectLength("PINGRESP", len, 0);
                h.pingresp();
            }
            case MqttWire.SUBACK -> {
                if (len < 3) {
                    throw new MalformedPacketException("SUBACK of " + len + " bytes (at least 3)");
                }
                byte[] codes = new byte[len - 2];
                buf.get(at + 2, codes);
                h.suback(buf.getShort(at) & 0xffff, codes);
            }
            case MqttWire.PUBLISH -> publish(flags, at, len, h);
            default -> throw new MalformedPacketException("unexpected packet type " + type);
        }
    }

    private void publish(int flags, int at, int len, Handler h) throws IOException {
        int qos = (flags >> 1) & 3;
        if (qos == 3) {
            throw new MalformedPacketException("PUBLISH with QoS 3");
        }
        if (qos == 2) {
            throw new MalformedPacketException("PUBLISH with QoS 2: this generator subscribes at QoS 0 or 1 only");
        }
        if (len < 2) {
            throw new MalformedPacketException("PUBLISH of " + len + " bytes");
        }
        int topicLength = buf.getShort(at) & 0xffff;
        int head = 2 + topicLength + (qos > 0 ? 2 : 0);
        if (head > len) {
            throw new MalformedPacketException("PUBLISH topic of " + topicLength + " bytes in a packet of " + len);
        }
        int packetId = 0;
        if (qos > 0) {
            packetId = buf.getShort(at + 2 + topicLength) & 0xffff;
            if (packetId == 0) {
                throw new MalformedPacketException("PUBLISH at QoS " + qos + " with packet id 0");
            }
        }
        h.publish(qos, (flags & 0x08) != 0, packetId, buf, at + 2, topicLength, at + head, len - head);
    }

    private static void expectLength(String what, int len, int expected) throws MalformedPacketException {
        if (len != expected) {
            throw new MalformedPacketException(what + " of " + len + " bytes (expected " + expected + ")");
        }
    }
}
