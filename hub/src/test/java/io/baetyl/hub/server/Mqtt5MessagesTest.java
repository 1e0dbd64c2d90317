package io.baetyl.hub.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.MessageProperties;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.persist.MemoryStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperty;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MQTT 5 on the message side over EmbeddedChannel: PUBLISH properties from publisher to subscribers (and not to 3.1.1
 * ones), message expiry, will properties and will delay, outbound topic aliases, the client's maximum packet size,
 * DISCONNECT reason codes, server keep-alive.
 */
@Timeout(30)
class Mqtt5MessagesTest {
    private final HubConfig config = config();
    private final Broker broker = new Broker(config, new MemoryStore());
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    private static HubConfig config() {
        HubConfig c = TestConfigs.u1UnderA();
        c.connect.keepalive.max = Duration.ofSeconds(30);
        c.message.ingress.inflight.max = 3;
        return c;
    }

    @AfterEach
    void stop() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        broker.close(1000);
    }

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel(new MqttConnection(broker, new Authenticator(config.principals)));
        channels.add(ch);
        return ch;
    }

    private EmbeddedChannel connect(MqttMessage connect) {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect);
        MqttConnAckMessage ack = ch.readOutbound();
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return ch;
    }

    private static MqttMessageBuilders.ConnectBuilder connect5(String id, MqttProperties props) {
        return MqttMessageBuilders.connect().clientId(id).protocolVersion(MqttVersion.MQTT_5).cleanSession(true)
                .hasUser(true).username("u1").hasPassword(true).password("p1".getBytes(StandardCharsets.UTF_8))
                .properties(props);
    }

    private EmbeddedChannel v5(String id, MqttProperties props) {
        return connect(connect5(id, props).build());
    }

    private EmbeddedChannel v3(String id) {
        return connect(MqttMessageBuilders.connect().clientId(id).protocolVersion(MqttVersion.MQTT_3_1_1)
                .cleanSession(true).hasUser(true).username("u1").hasPassword(true)
                .password("p1".getBytes(StandardCharsets.UTF_8)).build());
    }

    private static void subscribe(EmbeddedChannel ch, String filter, int qos) {
        ch.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.valueOf(qos), filter).build());
        ch.readOutbound(); // SUBACK
    }

    private static MqttProperties props(MqttProperties.MqttProperty<?>... ps) {
        MqttProperties p = new MqttProperties();
        for (var x : ps) {
            p.add(x);
        }
        return p;
    }

    private static MqttProperties allProperties(int expirySeconds) {
        return props(new IntegerProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), 1),
                new IntegerProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), expirySeconds),
                new StringProperty(MqttPropertyType.CONTENT_TYPE.value(), "application/json"),
                new StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), "a/reply"),
                new BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), new byte[] {9, 8, 7}),
                new UserProperty("k", "v1"), new UserProperty("k", "v2"), new UserProperty("z", "last"));
    }

    private static MqttPublishMessage publish(String topic, String payload, int qos, int pid, boolean retain, MqttProperties props) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(topic, pid, props), Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
    }

    private static MqttPublishMessage next(EmbeddedChannel ch) {
        ch.runPendingTasks();
        Object o = ch.readOutbound();
        return o instanceof MqttPublishMessage p ? p : null;
    }

    private static String text(MqttPublishMessage p) {
        String s = p.variableHeader().topicName() + " " + p.content().toString(StandardCharsets.UTF_8);
        p.release();
        return s;
    }

    private static Object property(MqttPublishMessage p, MqttPropertyType type) {
        var v = p.variableHeader().properties().getProperty(type.value());
        return v == null ? null : v.value();
    }

    private static List<String> userProperties(MqttPublishMessage p) {
        List<String> out = new ArrayList<>();
        for (var u : p.variableHeader().properties().getProperties(MqttPropertyType.USER_PROPERTY.value())) {
            var pair = ((UserProperty) u).value();
            out.add(pair.key + "=" + pair.value);
        }
        return out;
    }

    private static void assertCarriesAll(MqttPublishMessage p, int maxExpiry) {
        assertThat(property(p, MqttPropertyType.PAYLOAD_FORMAT_INDICATOR)).isEqualTo(1);
        assertThat((Integer) property(p, MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL)).isBetween(maxExpiry - 2, maxExpiry);
        assertThat(property(p, MqttPropertyType.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(property(p, MqttPropertyType.RESPONSE_TOPIC)).isEqualTo("a/reply");
        assertThat((byte[]) property(p, MqttPropertyType.CORRELATION_DATA)).containsExactly(9, 8, 7);
        assertThat(userProperties(p)).containsExactly("k=v1", "k=v2", "z=last");
    }

    // ---- 1. properties ----------------------------------------------------------------------------------------------

    @Test
    void publishPropertiesReachV5SubscribersAtEachQosAndRetainedWhileV311GetsThePlainMessage() {
        EmbeddedChannel s0 = v5("s0", MqttProperties.NO_PROPERTIES);
        subscribe(s0, "a/#", 0);
        EmbeddedChannel s2 = v5("s2", MqttProperties.NO_PROPERTIES);
        subscribe(s2, "a/#", 2);
        EmbeddedChannel old = v3("old");
        subscribe(old, "a/#", 1);
        EmbeddedChannel pub = v5("p", MqttProperties.NO_PROPERTIES);

        pub.writeInbound(publish("a/q0", "zero", 0, -1, false, allProperties(600)));
        MqttPublishMessage m = next(s0);
        assertCarriesAll(m, 600);
        assertThat(text(m)).isEqualTo("a/q0 zero");

        pub.writeInbound(publish("a/q2", "two", 2, 5, true, allProperties(600))); // through the QoS 1/2 log, retained
        assertThat(text(next(s2))).isEqualTo("a/q0 zero");
        MqttPublishMessage viaLog = next(s2);
        assertCarriesAll(viaLog, 600);
        assertThat(text(viaLog)).isEqualTo("a/q2 two");

        MqttPublishMessage plain = next(old);
        assertThat(plain.variableHeader().properties().isEmpty()).isTrue();
        assertThat(text(plain)).isEqualTo("a/q0 zero");

        EmbeddedChannel late = v5("late", MqttProperties.NO_PROPERTIES);
        subscribe(late, "a/q2", 1);
        MqttPublishMessage retained = next(late);
        assertThat(retained.fixedHeader().isRetain()).isTrue();
        assertCarriesAll(retained, 600);
        assertThat(text(retained)).isEqualTo("a/q2 two");
    }

    @Test
    void requestResponseWorksThroughTheHub() {
        EmbeddedChannel responder = v5("responder", MqttProperties.NO_PROPERTIES);
        subscribe(responder, "a/request", 1);
        EmbeddedChannel requester = v5("requester", MqttProperties.NO_PROPERTIES);
        subscribe(requester, "a/reply/requester", 1);
        requester.writeInbound(publish("a/request", "ping", 1, 1, false, props(
                new StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), "a/reply/requester"),
                new BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), "id-42".getBytes(StandardCharsets.UTF_8)))));
        MqttPublishMessage request = next(responder);
        String replyTo = (String) property(request, MqttPropertyType.RESPONSE_TOPIC);
        byte[] correlation = (byte[]) property(request, MqttPropertyType.CORRELATION_DATA);
        request.release();
        responder.writeInbound(publish(replyTo, "pong", 1, 1, false,
                props(new BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), correlation))));
        requester.readOutbound(); // PUBACK of the request
        MqttPublishMessage response = next(requester);
        assertThat(new String((byte[]) property(response, MqttPropertyType.CORRELATION_DATA), StandardCharsets.UTF_8))
                .isEqualTo("id-42");
        assertThat(text(response)).isEqualTo("a/reply/requester pong");
    }

    // ---- 2. expiry --------------------------------------------------------------------------------------------------

    private static Message aged(String topic, int qos, boolean retain, long expirySeconds, long ageMillis) {
        return new Message(topic, "old".getBytes(StandardCharsets.UTF_8), qos, retain, "x", 0,
                System.currentTimeMillis() - ageMillis, new MessageProperties(-1, expirySeconds, null, null, null, null));
    }

    @Test
    void expiredMessagesAreNotDeliveredQueuedOfflineOrRetainedAndTheRestCarryTheRemainingInterval() {
        EmbeddedChannel s = v5("s", MqttProperties.NO_PROPERTIES);
        subscribe(s, "a/#", 1);
        broker.publish(aged("a/q0", 0, false, 5, 10_000), null); // expired 5 s ago
        broker.publish(aged("a/q1", 1, false, 5, 10_000), null);
        broker.publish(aged("a/fresh", 1, false, 100, 10_000), null);
        MqttPublishMessage fresh = next(s);
        assertThat((Integer) property(fresh, MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL)).isBetween(89, 90);
        assertThat(text(fresh)).isEqualTo("a/fresh old");
        assertThat(next(s)).isNull();
        assertThat(broker.metrics().messagesExpired.sum()).isEqualTo(2);

        // retained: an expired one is not sent to a new subscriber
        broker.publish(aged("a/r/old", 0, true, 5, 10_000), null);
        broker.publish(aged("a/r/new", 0, true, 100, 0), null);
        EmbeddedChannel late = v5("late", MqttProperties.NO_PROPERTIES);
        subscribe(late, "a/r/#", 1);
        assertThat(text(next(late))).isEqualTo("a/r/new old");
        assertThat(next(late)).isNull();

        // offline: a persistent session reconnecting gets what did not expire while it was away
        MqttProperties keep = props(new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 600));
        EmbeddedChannel away = v5("away", keep);
        subscribe(away, "a/offline/#", 1);
        away.close();
        broker.publish(aged("a/offline/gone", 1, false, 1, 2_000), null);
        broker.publish(aged("a/offline/kept", 1, false, 600, 0), null);
        EmbeddedChannel back = connect(connect5("away", keep).cleanSession(false).build());
        assertThat(text(next(back))).isEqualTo("a/offline/kept old");
        assertThat(next(back)).isNull();
    }

    @Test
    void cleanStart0ResumesAStoredSessionEvenWithExpiry0WhichThenEndsWithTheConnection() {
        MqttProperties keep = props(new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 3600));
        EmbeddedChannel first = v5("r", keep);
        subscribe(first, "a/r", 1);
        first.close();
        broker.publish(new Message("a/r", "queued".getBytes(StandardCharsets.UTF_8), 1, false, "x"), null);
        EmbeddedChannel back = channel();
        back.writeInbound(connect5("r", MqttProperties.NO_PROPERTIES).cleanSession(false).build());
        MqttConnAckMessage ack = back.readOutbound();
        assertThat(ack.variableHeader().isSessionPresent()).isTrue();
        assertThat(text(next(back))).isEqualTo("a/r queued");
        back.close();
        EmbeddedChannel again = channel();
        again.writeInbound(connect5("r", MqttProperties.NO_PROPERTIES).cleanSession(false).build());
        MqttConnAckMessage ended = again.readOutbound();
        assertThat(ended.variableHeader().isSessionPresent()).isFalse();
    }

    // ---- 3. wills ---------------------------------------------------------------------------------------------------

    private MqttMessage withWill(String id, int delaySeconds, int sessionExpiry, boolean cleanStart) {
        MqttProperties willProps = allProperties(600);
        willProps.add(new IntegerProperty(MqttPropertyType.WILL_DELAY_INTERVAL.value(), delaySeconds));
        return connect5(id, props(new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), sessionExpiry)))
                .cleanSession(cleanStart).willFlag(true).willTopic("a/will/" + id).willQoS(MqttQoS.AT_MOST_ONCE)
                .willMessage("gone".getBytes(StandardCharsets.UTF_8)).willProperties(willProps).build();
    }

    /**
     * The connection is lost (no DISCONNECT). Not {@code close()}: an EmbeddedChannel's close cancels what is scheduled on
     * its loop, where a real event loop, shared by many connections, keeps the will's timer.
     */
    private static void lost(EmbeddedChannel ch) {
        ch.pipeline().fireChannelInactive();
    }

    @Test
    void aWillIsSentAfterItsDelayWithItsPropertiesUnlessTheClientComesBack() {
        EmbeddedChannel w = v5("w", MqttProperties.NO_PROPERTIES);
        subscribe(w, "a/will/#", 0);
        w.freezeTime();

        EmbeddedChannel c = connect(withWill("c1", 60, 3600, true));
        c.freezeTime();
        lost(c); // not a DISCONNECT: the will is due, after 60 s
        assertThat(next(w)).isNull();
        assertThat(broker.wills().delayedCount()).isEqualTo(1);
        c.advanceTimeBy(59, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        assertThat(next(w)).isNull();
        c.advanceTimeBy(1, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        MqttPublishMessage will = next(w);
        assertCarriesAll(will, 600);
        assertThat(text(will)).isEqualTo("a/will/c1 gone");

        // back within the delay, resuming the session: no will
        EmbeddedChannel d = connect(withWill("c2", 60, 3600, true));
        d.freezeTime();
        lost(d);
        connect(withWill("c2", 60, 3600, false));
        d.advanceTimeBy(120, TimeUnit.SECONDS);
        d.runScheduledPendingTasks();
        assertThat(next(w)).isNull();
        assertThat(broker.wills().delayedCount()).isZero();

        // back within the delay with clean start: the old session ends, so its will goes now
        EmbeddedChannel e = connect(withWill("c3", 60, 3600, true));
        lost(e);
        connect(withWill("c3", 60, 3600, true));
        assertThat(text(next(w))).isEqualTo("a/will/c3 gone");
    }

    @Test
    void aSessionExpiryShorterThanTheWillDelaySendsTheWillAtSessionEnd() {
        EmbeddedChannel w = v5("w", MqttProperties.NO_PROPERTIES);
        subscribe(w, "a/will/#", 0);
        EmbeddedChannel c = connect(withWill("c1", 60, 5, true));
        c.freezeTime();
        lost(c);
        c.advanceTimeBy(5, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        assertThat(text(next(w))).isEqualTo("a/will/c1 gone");
        // session expiry 0: at once
        EmbeddedChannel d = connect(withWill("c2", 60, 0, true));
        lost(d);
        assertThat(text(next(w))).isEqualTo("a/will/c2 gone");
    }

    // ---- 4. outbound topic aliases ------------------------------------------------------------------------------------

    @Test
    void outboundTopicAliasesStayWithinWhatTheClientAllows() {
        EmbeddedChannel s = v5("s", props(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), 2)));
        subscribe(s, "a/#", 0);
        EmbeddedChannel none = v5("none", MqttProperties.NO_PROPERTIES);
        subscribe(none, "a/#", 0);
        EmbeddedChannel pub = v5("p", MqttProperties.NO_PROPERTIES);
        for (String t : List.of("a/one", "a/one", "a/two", "a/three", "a/two")) {
            pub.writeInbound(publish(t, "x", 0, -1, false, MqttProperties.NO_PROPERTIES));
        }
        List<String> seen = new ArrayList<>();
        MqttPublishMessage m;
        while ((m = next(s)) != null) {
            seen.add(m.variableHeader().topicName() + "|" + property(m, MqttPropertyType.TOPIC_ALIAS));
            m.release();
        }
        assertThat(seen).containsExactly("a/one|1", "|1", "a/two|2", "a/three|null", "|2");
        while ((m = next(none)) != null) {
            assertThat(property(m, MqttPropertyType.TOPIC_ALIAS)).isNull();
            assertThat(m.variableHeader().topicName()).startsWith("a/");
            m.release();
        }
    }

    // ---- 5. maximum packet size -------------------------------------------------------------------------------------

    @Test
    void aMessageLargerThanTheClientsMaximumPacketSizeIsDroppedForThatClientAndCounted() {
        EmbeddedChannel small = v5("small", props(new IntegerProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), 100),
                new IntegerProperty(MqttPropertyType.RECEIVE_MAXIMUM.value(), 1)));
        subscribe(small, "a/#", 1);
        EmbeddedChannel big = v5("big", MqttProperties.NO_PROPERTIES);
        subscribe(big, "a/#", 1);
        EmbeddedChannel pub = v5("p", MqttProperties.NO_PROPERTIES);
        pub.writeInbound(publish("a/t", "x".repeat(200), 1, 1, false, MqttProperties.NO_PROPERTIES));
        pub.writeInbound(publish("a/t", "y".repeat(50), 1, 2, false, MqttProperties.NO_PROPERTIES));
        // the large one takes no place in the window (receive maximum 1): the small one follows at once
        MqttPublishMessage m = next(small);
        assertThat(text(m)).isEqualTo("a/t " + "y".repeat(50));
        assertThat(broker.metrics().messagesTooLarge.sum()).isEqualTo(1);
        assertThat(text(next(big))).isEqualTo("a/t " + "x".repeat(200));
        // properties count: 40 bytes of payload and 60 of user property do not fit in 100
        pub.writeInbound(publish("a/t", "z".repeat(40), 0, -1, false, props(new UserProperty("k", "v".repeat(60)))));
        small.runPendingTasks();
        assertThat(small.outboundMessages().stream().filter(o -> o instanceof MqttPublishMessage).map(Object::toString).toList()).isEmpty();
        assertThat(broker.metrics().messagesTooLarge.sum()).isEqualTo(2);
        assertThat(small.isActive()).isTrue();
    }

    @Test
    void thePacketSizeBoundIsTheEncodedSize() {
        // what Protocol5Out counts against the client's maximum is at least what the encoder writes
        Message m = new Message("a/topic", "payload".getBytes(StandardCharsets.UTF_8), 1, false, "c",
                new MessageProperties(1, 60, "ct", "rt", new byte[] {1}, List.of("k", "v")));
        EmbeddedChannel enc = new EmbeddedChannel(io.netty.handler.codec.mqtt.MqttEncoder.INSTANCE);
        // the codec keeps the version in this channel attribute (set by the decoder at CONNECT)
        enc.attr(io.netty.util.AttributeKey.<MqttVersion>valueOf("NETTY_CODEC_MQTT_VERSION")).set(MqttVersion.MQTT_5);
        Protocol5Out out = new Protocol5Out((io.netty.handler.codec.mqtt.MqttConnectMessage) connect5("c",
                props(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), 5))).build(), 0);
        enc.writeOutbound(out.publish(m, 1, 7, false, false));
        io.netty.buffer.ByteBuf wire = enc.readOutbound();
        assertThat(Protocol5Out.packetSize(m, 1, true)).isEqualTo(wire.readableBytes());
        wire.release();
        enc.finishAndReleaseAll();
    }

    // ---- 6. DISCONNECT with a reason code -----------------------------------------------------------------------------

    private static int disconnectReason(EmbeddedChannel ch) {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof MqttMessage m && m.fixedHeader().messageType() == MqttMessageType.DISCONNECT) {
                return ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xFF;
            }
        }
        return -1;
    }

    /** A second connection with the same client id: the first is closed (on its loop), then the second is accepted. */
    private void takeOver(EmbeddedChannel first, MqttMessage connect) {
        EmbeddedChannel second = channel();
        second.writeInbound(connect);
        first.runPendingTasks();
        second.runPendingTasks();
        MqttConnAckMessage ack = second.readOutbound();
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
    }

    @Test
    void theHubTellsV5ClientsWhyItClosesTheConnectionAndNotV311Ones() {
        EmbeddedChannel first = v5("c1", MqttProperties.NO_PROPERTIES);
        takeOver(first, connect5("c1", MqttProperties.NO_PROPERTIES).build());
        assertThat(disconnectReason(first)).isEqualTo(0x8E);
        assertThat(first.isActive()).isFalse();

        EmbeddedChannel old = v3("c2");
        takeOver(old, MqttMessageBuilders.connect().clientId("c2").protocolVersion(MqttVersion.MQTT_3_1_1)
                .cleanSession(true).hasUser(true).username("u1").hasPassword(true)
                .password("p1".getBytes(StandardCharsets.UTF_8)).build());
        assertThat(disconnectReason(old)).isEqualTo(-1);
        assertThat(old.isActive()).isFalse();

        EmbeddedChannel alias = v5("c3", MqttProperties.NO_PROPERTIES);
        alias.writeInbound(publish("", "x", 0, -1, false, props(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), 3))));
        assertThat(disconnectReason(alias)).isEqualTo(0x94);

        EmbeddedChannel twice = v5("c4", MqttProperties.NO_PROPERTIES);
        twice.writeInbound(connect5("c4", MqttProperties.NO_PROPERTIES).build());
        assertThat(disconnectReason(twice)).isEqualTo(0x82);
        assertThat(twice.isActive()).isFalse();

        // an AUTH packet (re-authenticate, 0x19) without an authentication method in the CONNECT: MQTT 5 §4.12
        EmbeddedChannel auth = v5("c4a", MqttProperties.NO_PROPERTIES);
        auth.writeInbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.AUTH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) 0x19, MqttProperties.NO_PROPERTIES)));
        assertThat(disconnectReason(auth)).isEqualTo(0x82);
        assertThat(auth.isActive()).isFalse();

        EmbeddedChannel idle = v5("c5", MqttProperties.NO_PROPERTIES);
        idle.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        assertThat(disconnectReason(idle)).isEqualTo(0x8D);

        EmbeddedChannel large = v5("c6", MqttProperties.NO_PROPERTIES);
        large.writeInbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                null, null, DecoderResult.failure(new TooLongFrameException("too large message: 40000 bytes"))));
        assertThat(disconnectReason(large)).isEqualTo(0x95);

        EmbeddedChannel down = channel();
        MqttConnection conn = down.pipeline().get(MqttConnection.class);
        down.writeInbound(connect5("c7", MqttProperties.NO_PROPERTIES).build());
        down.readOutbound();
        conn.shutdown();
        down.runPendingTasks();
        assertThat(disconnectReason(down)).isEqualTo(0x8B);
        assertThat(down.isActive()).isFalse();

        EmbeddedChannel idle3 = v3("c8");
        idle3.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        assertThat(disconnectReason(idle3)).isEqualTo(-1);
        assertThat(idle3.isActive()).isFalse();
    }

    @Test
    void moreUnacknowledgedPublishesThanTheHubsReceiveMaximumGetDisconnect0x93AndNotFor311() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect5("rm", MqttProperties.NO_PROPERTIES).build());
        MqttConnAckMessage ack = ch.readOutbound();
        assertThat(((IntegerProperty) ack.variableHeader().properties()
                .getProperty(MqttPropertyType.RECEIVE_MAXIMUM.value())).value()).isEqualTo(3);
        for (int pid = 1; pid <= 3; pid++) { // QoS 2, never released: three in flight
            ch.writeInbound(publish("a/rm", "m" + pid, 2, pid, false, MqttProperties.NO_PROPERTIES));
        }
        ch.writeInbound(publish("a/rm", "m3", 2, 3, false, MqttProperties.NO_PROPERTIES)); // a resend is no new one
        assertThat(ch.isActive()).isTrue();
        ch.writeInbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader.from(1))); // one completes: room for one more
        ch.writeInbound(publish("a/rm", "m4", 2, 4, false, MqttProperties.NO_PROPERTIES));
        assertThat(ch.isActive()).isTrue();
        assertThat(disconnectReason(ch)).isEqualTo(-1);
        ch.writeInbound(publish("a/rm", "m5", 1, 5, false, MqttProperties.NO_PROPERTIES));
        assertThat(disconnectReason(ch)).isEqualTo(0x93);
        assertThat(ch.isActive()).isFalse();

        EmbeddedChannel old = v3("rm3");
        for (int pid = 1; pid <= 10; pid++) {
            old.writeInbound(publish("a/rm", "m" + pid, 2, pid, false, MqttProperties.NO_PROPERTIES));
        }
        assertThat(old.isActive()).isTrue();
    }

    // ---- 7. server keep-alive -----------------------------------------------------------------------------------------

    @Test
    void aKeepAliveAboveTheMaximumIsLoweredAndToldInTheConnack() {
        for (int asked : new int[] {0, 600}) {
            EmbeddedChannel ch = channel();
            ch.writeInbound(connect5("k" + asked, MqttProperties.NO_PROPERTIES).keepAlive(asked).build());
            MqttConnAckMessage ack = ch.readOutbound();
            var p = ack.variableHeader().properties().getProperty(MqttPropertyType.SERVER_KEEP_ALIVE.value());
            assertThat(p).as("keep-alive " + asked).isNotNull();
            assertThat(((IntegerProperty) p).value()).isEqualTo(30);
        }
        EmbeddedChannel within = channel();
        within.writeInbound(connect5("k20", MqttProperties.NO_PROPERTIES).keepAlive(20).build());
        MqttConnAckMessage ack = within.readOutbound();
        assertThat(ack.variableHeader().properties().getProperty(MqttPropertyType.SERVER_KEEP_ALIVE.value())).isNull();
    }
}
