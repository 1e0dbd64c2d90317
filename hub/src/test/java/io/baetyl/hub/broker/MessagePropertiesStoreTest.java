package io.baetyl.hub.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.persist.MapDbStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT 5 message properties in the hub's stores: they survive the QoS 1 log, the retained store and a restart on the
 * same files, and a store written by the previous version (whose message encoding had no properties block) is read
 * unchanged.
 */
@Timeout(60)
class MessagePropertiesStoreTest {
    @TempDir
    Path dir;

    private static final byte[] CORRELATION = {0, 1, 2, (byte) 0xFF};

    private static MessageProperties all(long expirySeconds) {
        return new MessageProperties(1, expirySeconds, "text/plain", "reply/here", CORRELATION,
                List.of("k", "v1", "k", "v2", "ünï", "çødé"));
    }

    /** The previous version's layout, written out by hand: timestamp flags topicLen topic clientIdLen clientId payload. */
    private static byte[] previousVersionEncoding(long timestamp, String topic, int qos, boolean retain, String clientId,
                                                  String payload) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] c = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + 1 + 2 + t.length + 2 + c.length + p.length);
        b.putLong(timestamp).put((byte) (qos | (retain ? 0x10 : 0)));
        b.putShort((short) t.length).put(t).putShort((short) c.length).put(c).put(p);
        return b.array();
    }

    private MapDbStore open() {
        return new MapDbStore(dir, false, 60_000, 64L * 1024 * 1024, 100_000);
    }

    private static void assertAllProperties(Message m, long expirySeconds) {
        assertThat(m.props).isNotNull();
        assertThat(m.props.payloadFormat).isEqualTo(1);
        assertThat(m.props.expirySeconds).isEqualTo(expirySeconds);
        assertThat(m.props.contentType).isEqualTo("text/plain");
        assertThat(m.props.responseTopic).isEqualTo("reply/here");
        assertThat(m.props.correlationData).containsExactly(CORRELATION);
        assertThat(m.props.userProperties).containsExactly("k", "v1", "k", "v2", "ünï", "çødé");
    }

    @Test
    void encodingRoundTripsAndAMessageWithoutPropertiesKeepsThePreviousLayout() {
        Message plain = new Message("a/b", "x".getBytes(StandardCharsets.UTF_8), 1, true, "c1", 0, 1234L);
        assertThat(plain.encode()).containsExactly(previousVersionEncoding(1234L, "a/b", 1, true, "c1", "x"));
        Message with = new Message("a/b", "x".getBytes(StandardCharsets.UTF_8), 2, false, "c1", 0, 1234L, all(60));
        Message back = Message.decode(with.encode(), 7);
        assertThat(back.topic).isEqualTo("a/b");
        assertThat(back.qos).isEqualTo(2);
        assertThat(back.retain).isFalse();
        assertThat(back.clientId).isEqualTo("c1");
        assertThat(back.timestamp).isEqualTo(1234L);
        assertThat(back.seq).isEqualTo(7);
        assertThat(new String(back.payload, StandardCharsets.UTF_8)).isEqualTo("x");
        assertAllProperties(back, 60);
        assertThat(with.encode().length - plain.encode().length).isEqualTo(4 + with.propsLength());
    }

    @Test
    void aStoreOfThePreviousVersionIsReadAndPropertiesSurviveARestart() {
        long now = System.currentTimeMillis();
        try (MapDbStore old = open()) {
            // what the previous version left: a QoS 1 message in the log and a retained message
            old.log().append(1, now, previousVersionEncoding(now, "old/q1", 1, false, "c0", "from before"));
            old.log().flush();
            old.retained().put("old/r", previousVersionEncoding(now, "old/r", 0, true, "c0", "kept"));
            old.commit();
        }
        HubConfig config = new HubConfig();
        try (MapDbStore store = open()) {
            Broker broker = new Broker(config, store);
            Message q1 = broker.read(1);
            assertThat(q1.topic).isEqualTo("old/q1");
            assertThat(new String(q1.payload, StandardCharsets.UTF_8)).isEqualTo("from before");
            assertThat(q1.props).isNull();
            Message r = broker.retained().get("old/r");
            assertThat(new String(r.payload, StandardCharsets.UTF_8)).isEqualTo("kept");
            assertThat(r.retain).isTrue();
            assertThat(r.props).isNull();
            // this version writes messages with properties next to them
            broker.publish(new Message("new/q1", "now".getBytes(StandardCharsets.UTF_8), 1, false, "c1", all(3600)), null);
            broker.publish(new Message("new/r", "kept too".getBytes(StandardCharsets.UTF_8), 0, true, "c1", all(7200)), null);
            broker.close(5000);
        }
        try (MapDbStore store = open()) {
            Broker broker = new Broker(config, store);
            assertThat(broker.read(1).topic).isEqualTo("old/q1");
            Message q1 = broker.read(2);
            assertThat(q1.topic).isEqualTo("new/q1");
            assertAllProperties(q1, 3600);
            assertAllProperties(broker.retained().get("new/r"), 7200);
            assertThat(broker.retained().get("old/r").props).isNull();
            broker.close(5000);
        }
    }
}
