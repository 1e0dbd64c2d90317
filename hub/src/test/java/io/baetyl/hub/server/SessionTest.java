package io.baetyl.hub.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.persist.MemoryStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The session over EmbeddedChannel: QoS 2 both ways, the in-flight window, retry, takeover, keep-alive. */
@Timeout(30)
class SessionTest {
    private final MemoryStore store = new MemoryStore();
    private final HubConfig config = config();
    private final List<Broker> brokers = new ArrayList<>();
    private Broker broker = broker();

    private static HubConfig config() {
        HubConfig c = TestConfigs.u1UnderA();
        c.message.egress.qos1.retry.interval = Duration.ofMillis(500);
        c.message.egress.qos1.buffer.size = 2;
        return c;
    }

    private Broker broker() {
        Broker b = new Broker(config, store);
        brokers.add(b);
        return b;
    }

    @AfterEach
    void stop() {
        brokers.forEach(b -> b.close(1000));
    }

    private EmbeddedChannel channel() {
        Broker b = broker;
        return new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                // the keep-alive handler goes before the decoder, so the pipeline needs one by that name
                c.pipeline().addLast(PipelineNames.DECODER, new ChannelInboundHandlerAdapter());
                c.pipeline().addLast(PipelineNames.CONNECTION, new MqttConnection(b, new Authenticator(config.principals)));
            }
        });
    }

    private EmbeddedChannel connect(String id, boolean clean, int keepAlive, boolean expectPresent) {
        EmbeddedChannel ch = channel();
        ch.writeInbound(MqttMessageBuilders.connect().clientId(id).protocolVersion(MqttVersion.MQTT_3_1_1)
                .cleanSession(clean).keepAlive(keepAlive).hasUser(true).username("u1").hasPassword(true)
                .password("p1".getBytes(StandardCharsets.UTF_8)).build());
        MqttConnAckMessage ack = ch.readOutbound();
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(ack.variableHeader().isSessionPresent()).isEqualTo(expectPresent);
        return ch;
    }

    private static void subscribe(EmbeddedChannel ch, String filter, MqttQoS qos, int granted) {
        ch.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(qos, filter).build());
        io.netty.handler.codec.mqtt.MqttSubAckMessage ack = ch.readOutbound();
        assertThat(ack.payload().grantedQoSLevels()).containsExactly(granted);
    }

    private static MqttPublishMessage publish(String topic, String payload, MqttQoS qos, int pid, boolean dup) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, qos, false, 0),
                new io.netty.handler.codec.mqtt.MqttPublishVariableHeader(topic, pid),
                Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
    }

    private static MqttMessage ack(MqttMessageType type, int pid) {
        return new MqttMessage(new MqttFixedHeader(type, false, type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(pid));
    }

    private static void expectAck(EmbeddedChannel ch, MqttMessageType type, int pid) {
        MqttMessage m = ch.readOutbound();
        assertThat(m).as("expected %s %s", type, pid).isNotNull();
        assertThat(m.fixedHeader().messageType()).isEqualTo(type);
        assertThat(((MqttMessageIdVariableHeader) m.variableHeader()).messageId()).isEqualTo(pid);
    }

    /** Drops resends (DUP PUBLISH, PUBREL) of {@code pid}, or of any packet id if it is -1, at the head of the queue. */
    private static void skipResentPublishes(EmbeddedChannel ch, int pid) {
        skipResends(ch, pid, false);
    }

    private static void skipResends(EmbeddedChannel ch, int pid, boolean pubrelToo) {
        while (true) {
            Object head = ch.outboundMessages().peek();
            if (head instanceof MqttPublishMessage p && p.fixedHeader().isDup() && (pid < 0 || p.variableHeader().packetId() == pid)) {
                ((MqttPublishMessage) ch.readOutbound()).release();
            } else if (pubrelToo && head instanceof MqttMessage m && m.fixedHeader().messageType() == MqttMessageType.PUBREL
                    && (pid < 0 || ((MqttMessageIdVariableHeader) m.variableHeader()).messageId() == pid)) {
                ch.readOutbound();
            } else {
                return;
            }
        }
    }

    private static MqttPublishMessage expectPublish(EmbeddedChannel ch, String payload, int qos, boolean dup) {
        ch.runPendingTasks();
        MqttPublishMessage m = ch.readOutbound();
        assertThat(m).as("expected PUBLISH %s", payload).isNotNull();
        assertThat(m.content().toString(StandardCharsets.UTF_8)).isEqualTo(payload);
        assertThat(m.fixedHeader().qosLevel().value()).isEqualTo(qos);
        assertThat(m.fixedHeader().isDup()).isEqualTo(dup);
        m.release();
        return m;
    }

    @Test
    void qos2InboundIsStoredOncePerPacketIdUntilPubrel() {
        EmbeddedChannel pub = connect("p", true, 0, false);
        pub.writeInbound(publish("a/x", "one", MqttQoS.EXACTLY_ONCE, 7, false));
        expectAck(pub, MqttMessageType.PUBREC, 7);
        long seq = broker.committedSeq();
        // the PUBREC was lost: the client sends the PUBLISH again with DUP, and it is not stored twice
        pub.writeInbound(publish("a/x", "one", MqttQoS.EXACTLY_ONCE, 7, true));
        expectAck(pub, MqttMessageType.PUBREC, 7);
        assertThat(broker.committedSeq()).isEqualTo(seq);
        assertThat(broker.read(seq).qos).isEqualTo(2);
        pub.writeInbound(ack(MqttMessageType.PUBREL, 7));
        expectAck(pub, MqttMessageType.PUBCOMP, 7);
        // after PUBREL the packet id is free: the next message with it is new
        pub.writeInbound(publish("a/x", "two", MqttQoS.EXACTLY_ONCE, 7, false));
        expectAck(pub, MqttMessageType.PUBREC, 7);
        assertThat(broker.committedSeq()).isEqualTo(seq + 1);
    }

    @Test
    void qos2OutboundGoesThroughPubrecPubrelPubcompAndIsResent() {
        EmbeddedChannel sub = connect("s", true, 0, false);
        subscribe(sub, "a/#", MqttQoS.EXACTLY_ONCE, 2);
        EmbeddedChannel pub = connect("p", true, 0, false);
        pub.writeInbound(publish("a/x", "m1", MqttQoS.EXACTLY_ONCE, 1, false));
        expectAck(pub, MqttMessageType.PUBREC, 1);
        int pid = expectPublish(sub, "m1", 2, false).variableHeader().packetId();
        // no PUBREC: resent with DUP after retry.interval
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            sub.runScheduledPendingTasks();
            return sub.outboundMessages().peek() != null;
        });
        MqttPublishMessage again = expectPublish(sub, "m1", 2, true);
        assertThat(again.variableHeader().packetId()).isEqualTo(pid);
        sub.writeInbound(ack(MqttMessageType.PUBREC, pid));
        skipResentPublishes(sub, pid); // on a slow machine the retry may have fired again meanwhile
        expectAck(sub, MqttMessageType.PUBREL, pid);
        // no PUBCOMP: the PUBREL is resent, not the message
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            sub.runScheduledPendingTasks();
            return sub.outboundMessages().peek() != null;
        });
        expectAck(sub, MqttMessageType.PUBREL, pid);
        sub.writeInbound(ack(MqttMessageType.PUBCOMP, pid));
        skipResends(sub, pid, true);
        assertThat((Object) sub.readOutbound()).isNull();
    }

    @Test
    void inflightWindowHoldsBackUntilAcknowledged() {
        EmbeddedChannel sub = connect("s", true, 0, false);
        subscribe(sub, "a/#", MqttQoS.AT_LEAST_ONCE, 1);
        EmbeddedChannel pub = connect("p", true, 0, false);
        for (int i = 1; i <= 3; i++) {
            pub.writeInbound(publish("a/x", "m" + i, MqttQoS.AT_LEAST_ONCE, i, false));
            expectAck(pub, MqttMessageType.PUBACK, i);
        }
        // the window (buffer.size 2) is full after two
        int p1 = expectPublish(sub, "m1", 1, false).variableHeader().packetId();
        expectPublish(sub, "m2", 1, false);
        sub.runPendingTasks();
        skipResentPublishes(sub, -1);
        assertThat((Object) sub.readOutbound()).isNull();
        sub.writeInbound(ack(MqttMessageType.PUBACK, p1));
        skipResentPublishes(sub, -1);
        expectPublish(sub, "m3", 1, false);
    }

    @Test
    void pubacksOfOneReadRefillTheWindowTogetherAndMoveTheOffset() {
        EmbeddedChannel sub = connect("ps", false, 0, false);
        subscribe(sub, "a/#", MqttQoS.AT_LEAST_ONCE, 1);
        EmbeddedChannel pub = connect("p", true, 0, false);
        for (int i = 1; i <= 5; i++) {
            pub.writeInbound(publish("a/x", "m" + i, MqttQoS.AT_LEAST_ONCE, i, false));
            expectAck(pub, MqttMessageType.PUBACK, i);
        }
        int p1 = expectPublish(sub, "m1", 1, false).variableHeader().packetId();
        int p2 = expectPublish(sub, "m2", 1, false).variableHeader().packetId();
        long before = broker.offset("ps");
        // both PUBACKs in one socket read: the window (2) gets the next two, the offset passes both acknowledged
        sub.writeInbound(ack(MqttMessageType.PUBACK, p1), ack(MqttMessageType.PUBACK, p2));
        skipResentPublishes(sub, -1);
        expectPublish(sub, "m3", 1, false);
        expectPublish(sub, "m4", 1, false);
        assertThat(broker.offset("ps")).isEqualTo(before + 2);
        sub.runPendingTasks();
        skipResentPublishes(sub, -1);
        assertThat((Object) sub.readOutbound()).isNull(); // m5 waits for room
    }

    @Test
    void pubcompsOfOneReadRefillTheWindowTogetherAndTheRecordIsSavedWithTheOffset() {
        EmbeddedChannel sub = connect("qs", false, 0, false);
        subscribe(sub, "a/#", MqttQoS.EXACTLY_ONCE, 2);
        EmbeddedChannel pub = connect("p", true, 0, false);
        for (int i = 1; i <= 4; i++) {
            pub.writeInbound(publish("a/x", "m" + i, MqttQoS.EXACTLY_ONCE, i, false));
            expectAck(pub, MqttMessageType.PUBREC, i);
        }
        int p1 = expectPublish(sub, "m1", 2, false).variableHeader().packetId();
        int p2 = expectPublish(sub, "m2", 2, false).variableHeader().packetId();
        long before = broker.offset("qs");
        sub.writeInbound(ack(MqttMessageType.PUBREC, p1), ack(MqttMessageType.PUBREC, p2));
        skipResentPublishes(sub, -1);
        expectAck(sub, MqttMessageType.PUBREL, p1);
        expectAck(sub, MqttMessageType.PUBREL, p2);
        // both PUBCOMPs in one socket read: the completed deliveries leave the window, the next two go out together
        sub.writeInbound(ack(MqttMessageType.PUBCOMP, p1), ack(MqttMessageType.PUBCOMP, p2));
        skipResends(sub, -1, true);
        int p3 = expectPublish(sub, "m3", 2, false).variableHeader().packetId();
        int p4 = expectPublish(sub, "m4", 2, false).variableHeader().packetId();
        sub.runPendingTasks(); // the end of the event-loop round: the record is saved, then the offset
        assertThat(broker.offset("qs")).isEqualTo(before + 2);
        var record = broker.inflight().get("qs");
        assertThat(record.offset).isEqualTo(before + 2);
        assertThat(record.sent).containsOnlyKeys(p3, p4);
        assertThat(record.released).isEmpty();
        assertThat(record.completed).isEmpty();
    }

    @Test
    void qos2ReleasedStateSurvivesACrashAndPubrelIsResentNotTheMessage() {
        EmbeddedChannel sub = connect("s", false, 0, false);
        subscribe(sub, "a/#", MqttQoS.EXACTLY_ONCE, 2);
        EmbeddedChannel pub = connect("p", true, 0, false);
        pub.writeInbound(publish("a/x", "m1", MqttQoS.EXACTLY_ONCE, 1, false));
        pub.writeInbound(publish("a/x", "m2", MqttQoS.EXACTLY_ONCE, 2, false));
        int p1 = expectPublish(sub, "m1", 2, false).variableHeader().packetId();
        int p2 = expectPublish(sub, "m2", 2, false).variableHeader().packetId();
        sub.writeInbound(ack(MqttMessageType.PUBREC, p1));
        skipResentPublishes(sub, -1);
        expectAck(sub, MqttMessageType.PUBREL, p1);
        // the hub dies here (no close: a new broker on the same store, as after kill -9)
        broker = broker();
        EmbeddedChannel again = connect("s", false, 0, true);
        // m1 was released: PUBREL again with its packet id, and m1 is not sent again; m2 was sent: again with its
        // packet id and DUP, so a client that delivered it at PUBLISH knows it
        expectAck(again, MqttMessageType.PUBREL, p1);
        assertThat(expectPublish(again, "m2", 2, true).variableHeader().packetId()).isEqualTo(p2);
        again.writeInbound(ack(MqttMessageType.PUBCOMP, p1));
        again.writeInbound(ack(MqttMessageType.PUBREC, p2));
        skipResends(again, p1, true);
        skipResentPublishes(again, p2);
        expectAck(again, MqttMessageType.PUBREL, p2);
        again.writeInbound(ack(MqttMessageType.PUBCOMP, p2));
        again.runPendingTasks();
        skipResends(again, -1, true);
        assertThat((Object) again.readOutbound()).isNull();
        // a third connection after another crash owes nothing
        broker = broker();
        EmbeddedChannel third = connect("s", false, 0, true);
        third.runPendingTasks();
        assertThat((Object) third.readOutbound()).isNull();
    }

    /**
     * A window full of restored released deliveries whose PUBCOMPs all come in one socket read (the refill waits for
     * the read's end): the offset passes the completed deliveries and the message that waited for room goes out.
     */
    @Test
    void restoredFullQos2WindowCompletedInOneReadLetsTheNextMessageOut() {
        EmbeddedChannel sub = connect("s", false, 0, false);
        subscribe(sub, "a/#", MqttQoS.EXACTLY_ONCE, 2);
        EmbeddedChannel pub = connect("p", true, 0, false);
        for (int i = 1; i <= 3; i++) {
            pub.writeInbound(publish("a/x", "m" + i, MqttQoS.EXACTLY_ONCE, i, false));
        }
        int p1 = expectPublish(sub, "m1", 2, false).variableHeader().packetId();
        int p2 = expectPublish(sub, "m2", 2, false).variableHeader().packetId();
        sub.writeInbound(ack(MqttMessageType.PUBREC, p1), ack(MqttMessageType.PUBREC, p2));
        skipResentPublishes(sub, -1);
        expectAck(sub, MqttMessageType.PUBREL, p1);
        expectAck(sub, MqttMessageType.PUBREL, p2);
        assertThat((Object) sub.readOutbound()).as("m3 waits for room in the window of 2").isNull();
        broker = broker(); // the hub dies before any PUBCOMP (a new broker on the same store, as after kill -9)
        EmbeddedChannel again = connect("s", false, 0, true);
        expectAck(again, MqttMessageType.PUBREL, p1);
        expectAck(again, MqttMessageType.PUBREL, p2);
        again.writeInbound(ack(MqttMessageType.PUBCOMP, p1), ack(MqttMessageType.PUBCOMP, p2)); // one read
        skipResends(again, -1, true);
        expectPublish(again, "m3", 2, false);
    }

    /**
     * The subscriptions of a persistent session are committed before its first QoS 2 PUBLISH leaves: the QoS 2 record
     * is in its journal at once, and after a {@code kill -9} a record without the subscription it came from restored a
     * session that was sent nothing more (Qos2CrashIT stalled so when the kill came before the store's next commit).
     */
    @Test
    void subscriptionIsCommittedBeforeTheFirstQos2PublishLeaves() {
        SnapshotStore snapshots = new SnapshotStore();
        broker = new Broker(config, snapshots);
        brokers.add(broker);
        EmbeddedChannel sub = connect("s", false, 0, false);
        subscribe(sub, "a/#", MqttQoS.EXACTLY_ONCE, 2);
        EmbeddedChannel pub = connect("p", true, 0, false);
        pub.writeInbound(publish("a/x", "m1", MqttQoS.EXACTLY_ONCE, 1, false));
        expectPublish(sub, "m1", 2, false);
        assertThat(snapshots.committedSubscriptions).containsKey("s");
    }

    /** A store on the heap that keeps a copy of the subscriptions as of its last commit (what a kill -9 leaves). */
    private static final class SnapshotStore implements io.baetyl.hub.persist.Store {
        private final MemoryStore live = new MemoryStore();
        volatile java.util.Map<String, byte[]> committedSubscriptions = java.util.Map.of();

        @Override
        public io.baetyl.hub.persist.MessageLog log() {
            return live.log();
        }

        @Override
        public java.util.Map<String, byte[]> subscriptions() {
            return live.subscriptions();
        }

        @Override
        public java.util.Map<String, Long> offsets() {
            return live.offsets();
        }

        @Override
        public java.util.Map<String, byte[]> retained() {
            return live.retained();
        }

        @Override
        public java.util.Map<String, Integer> retainedSizes() {
            return live.retainedSizes();
        }

        @Override
        public java.util.Map<String, byte[]> wills() {
            return live.wills();
        }

        @Override
        public io.baetyl.hub.persist.RecordJournal inflight() {
            return live.inflight();
        }

        @Override
        public synchronized void commit() {
            committedSubscriptions = java.util.Map.copyOf(live.subscriptions());
        }

        @Override
        public void close() {
        }
    }

    @Test
    void secondConnectionWithTheSameIdTakesOverAndFindsTheSession() {
        EmbeddedChannel first = connect("c", false, 0, false);
        subscribe(first, "a/#", MqttQoS.AT_LEAST_ONCE, 1);
        EmbeddedChannel second = channel();
        second.writeInbound(MqttMessageBuilders.connect().clientId("c").protocolVersion(MqttVersion.MQTT_3_1_1)
                .cleanSession(false).hasUser(true).username("u1").hasPassword(true)
                .password("p1".getBytes(StandardCharsets.UTF_8)).build());
        first.runPendingTasks();
        assertThat(first.isActive()).isFalse();
        second.runPendingTasks();
        MqttConnAckMessage ack = second.readOutbound();
        assertThat(ack.variableHeader().isSessionPresent()).isTrue();
        // the subscription came along
        EmbeddedChannel pub = connect("p", true, 0, false);
        pub.writeInbound(publish("a/x", "hello", MqttQoS.AT_LEAST_ONCE, 1, false));
        expectPublish(second, "hello", 1, false);
    }

    @Test
    void silentClientIsClosedAfterOneAndAHalfKeepAlives() {
        EmbeddedChannel ch = connect("k", true, 1, false);
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            ch.runScheduledPendingTasks();
            return !ch.isActive();
        });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(1400);
    }
}
