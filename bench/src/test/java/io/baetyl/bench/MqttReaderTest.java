package io.baetyl.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.bench.MqttWire.MalformedPacketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The raw generator's hand-written MQTT 3.1.1 codec: what {@link MqttWire} writes, {@link MqttReader} reads back. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MqttReaderTest {
    /** Every decoded packet as text, e.g. {@code PUBLISH qos=1 id=7 topic=a/b payload=12}. */
    static final class Recorder implements MqttReader.Handler {
        final List<String> packets = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();

        @Override
        public void connack(boolean sessionPresent, int returnCode) {
            packets.add("CONNACK sp=" + sessionPresent + " rc=" + returnCode);
        }

        @Override
        public void suback(int packetId, byte[] returnCodes) {
            packets.add("SUBACK id=" + packetId + " codes=" + Arrays.toString(returnCodes));
        }

        @Override
        public void publish(int qos, boolean dup, int packetId, ByteBuffer buf, int topicOffset, int topicLength,
                int payloadOffset, int payloadLength) {
            byte[] topic = new byte[topicLength];
            buf.get(topicOffset, topic);
            byte[] payload = new byte[payloadLength];
            buf.get(payloadOffset, payload);
            payloads.add(payload);
            packets.add("PUBLISH qos=" + qos + " id=" + packetId + " topic=" + new String(topic, StandardCharsets.UTF_8)
                    + " payload=" + payloadLength);
        }

        @Override
        public void puback(int packetId) {
            packets.add("PUBACK id=" + packetId);
        }

        @Override
        public void pingresp() {
            packets.add("PINGRESP");
        }
    }

    private static byte[] encoded(MqttWire.PublishTemplate t, int packetId, int index) {
        ByteBuffer b = ByteBuffer.allocate(t.length());
        t.put(b, packetId, index);
        return b.array();
    }

    @Test
    void publishAndPubackRoundTrip() throws Exception {
        MqttWire.PublishTemplate q1 = new MqttWire.PublishTemplate("bench/m2m/3", 1, 3, 100);
        MqttWire.PublishTemplate q0 = new MqttWire.PublishTemplate("bench/m2m/12", 0, 12, 8);
        ByteBuffer puback = ByteBuffer.allocate(4);
        MqttWire.putPuback(puback, 65535);
        MqttReader r = new MqttReader(1024);
        r.feed(encoded(q1, 7, 41), 0, q1.length());
        r.feed(encoded(q1, 8, 42), 0, q1.length());
        r.feed(encoded(q0, 0, 5), 0, q0.length());
        r.feed(puback.array(), 0, 4);
        Recorder h = new Recorder();

        assertThat(r.drain(h)).isEqualTo(4);

        assertThat(h.packets).containsExactly("PUBLISH qos=1 id=7 topic=bench/m2m/3 payload=100",
                "PUBLISH qos=1 id=8 topic=bench/m2m/3 payload=100", "PUBLISH qos=0 id=0 topic=bench/m2m/12 payload=8",
                "PUBACK id=65535");
        // the payload carries publisher and message index, patched per message in the one encoding
        assertThat(ByteBuffer.wrap(h.payloads.get(0)).getInt(0)).isEqualTo(3);
        assertThat(ByteBuffer.wrap(h.payloads.get(0)).getInt(4)).isEqualTo(41);
        assertThat(ByteBuffer.wrap(h.payloads.get(1)).getInt(4)).isEqualTo(42);
        assertThat(ByteBuffer.wrap(h.payloads.get(2)).getInt(0)).isEqualTo(12);
        assertThat(ByteBuffer.wrap(h.payloads.get(2)).getInt(4)).isEqualTo(5);
        assertThat(r.buffer().position()).as("nothing left over").isZero();
    }

    @Test
    void aPacketSplitOverReadsIsDecodedOnceComplete() throws Exception {
        // 300-byte payload: a two-byte remaining length, so the split also falls inside the length
        MqttWire.PublishTemplate t = new MqttWire.PublishTemplate("bench/m2m/0", 1, 0, 300);
        byte[] bytes = encoded(t, 513, 9);
        byte[] connack = {0x20, 2, 1, 0};
        byte[] both = new byte[bytes.length + connack.length];
        System.arraycopy(connack, 0, both, 0, connack.length);
        System.arraycopy(bytes, 0, both, connack.length, bytes.length);
        MqttReader r = new MqttReader(512);
        Recorder h = new Recorder();
        int decoded = 0;
        for (int i = 0; i < both.length; i++) {
            r.feed(both, i, 1);
            decoded += r.drain(h);
            if (i == 3) {
                assertThat(h.packets).containsExactly("CONNACK sp=true rc=0");
            }
            if (i < both.length - 1) {
                assertThat(h.packets).as("after %d bytes", i + 1).hasSize(i < 3 ? 0 : 1);
            }
        }
        assertThat(decoded).isEqualTo(2);
        assertThat(h.packets).containsExactly("CONNACK sp=true rc=0",
                "PUBLISH qos=1 id=513 topic=bench/m2m/0 payload=300");
    }

    @Test
    void theReaderHoldsNoMoreThanItsBound() throws Exception {
        MqttReader r = new MqttReader(64);
        // a PUBLISH announcing 100 bytes can never fit: refused as soon as its length is known, not buffered
        r.feed(new byte[] {0x30, 100, 0, 1, 'a'}, 0, 5);
        assertThatThrownBy(() -> r.drain(new Recorder())).isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("packet of 102 bytes exceeds the reader's bound of 64 bytes");

        MqttReader full = new MqttReader(16);
        full.feed(new byte[10], 0, 10);
        assertThatThrownBy(() -> full.feed(new byte[7], 0, 7)).isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining("do not fit");
        assertThat(full.buffer().position()).as("nothing of the refused bytes kept").isEqualTo(10);
        // a packet of exactly the bound is fine
        MqttReader exact = new MqttReader(64);
        MqttWire.PublishTemplate t = new MqttWire.PublishTemplate("t", 0, 0, 64 - 2 - 3);
        exact.feed(encoded(t, 0, 1), 0, t.length());
        Recorder h = new Recorder();
        assertThat(exact.drain(h)).isEqualTo(1);
        assertThat(h.packets).containsExactly("PUBLISH qos=0 id=0 topic=t payload=59");
    }

    @Test
    void malformedPacketsAreRefused() throws Exception {
        assertMalformed(new byte[] {0x36, 3, 0, 0, 0}, "QoS 3");
        assertMalformed(new byte[] {0x34, 4, 0, 0, 0, 1}, "QoS 2");
        assertMalformed(new byte[] {0x32, 2, 0, 0}, "topic of 0 bytes in a packet of 2");
        assertMalformed(new byte[] {0x32, 4, 0, 0, 0, 0}, "packet id 0");
        assertMalformed(new byte[] {0x30, 2, 0, 5}, "topic of 5 bytes");
        assertMalformed(new byte[] {0x20, 3, 0, 0, 0}, "CONNACK of 3 bytes");
        assertMalformed(new byte[] {0x41, 2, 0, 1}, "flags 1");
        assertMalformed(new byte[] {(byte) 0x90, 2, 0, 1}, "SUBACK of 2 bytes");
        assertMalformed(new byte[] {0x50, 2, 0, 1}, "unexpected packet type 5");
        assertMalformed(new byte[] {(byte) 0xd0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1},
                "remaining length longer than 4 bytes");
    }

    private static void assertMalformed(byte[] packet, String message) throws MalformedPacketException {
        MqttReader r = new MqttReader(256);
        r.feed(packet, 0, packet.length);
        assertThatThrownBy(() -> r.drain(new Recorder())).isInstanceOf(MalformedPacketException.class)
                .hasMessageContaining(message);
    }

    @Test
    void subackAndPingrespAndConnectAsTheSpecLaysThemOut() throws Exception {
        MqttReader r = new MqttReader(64);
        byte[] in = {(byte) 0x90, 3, 0, 1, (byte) 0x80, (byte) 0xd0, 0};
        r.feed(in, 0, in.length);
        Recorder h = new Recorder();
        r.drain(h);
        assertThat(h.packets).containsExactly("SUBACK id=1 codes=[-128]", "PINGRESP");

        // MQTT 3.1.1 section 3.1: "MQTT", level 4, flags username+password+clean session, keep alive, then strings
        ByteBuffer c = ByteBuffer.wrap(MqttWire.connect("id", "u", "pw", 60));
        assertThat(c.get() & 0xff).isEqualTo(0x10);
        assertThat(c.get() & 0xff).isEqualTo(c.remaining());
        assertThat(c.getShort()).isEqualTo((short) 4);
        byte[] name = new byte[4];
        c.get(name);
        assertThat(new String(name, StandardCharsets.US_ASCII)).isEqualTo("MQTT");
        assertThat(c.get()).isEqualTo((byte) 4);
        assertThat(c.get() & 0xff).isEqualTo(0xc2);
        assertThat(c.getShort()).isEqualTo((short) 60);
        ByteBuffer s = ByteBuffer.wrap(MqttWire.subscribe(1, "bench/m2m/+", 1));
        assertThat(s.get() & 0xff).as("SUBSCRIBE has reserved flags 0010").isEqualTo(0x82);
        assertThat(s.get(s.limit() - 1)).as("requested QoS last").isEqualTo((byte) 1);
    }
}
