package io.baetyl.hub.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.persist.MemoryStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MQTT 5 over EmbeddedChannel: CONNACK reason codes and properties, ack reason codes, options, aliases, flow control. */
@Timeout(30)
class Mqtt5Test {
    private final HubConfig config = config();
    private final Broker broker = new Broker(config, new MemoryStore());

    private static HubConfig config() {
        HubConfig c = TestConfigs.u1UnderA();
        return c;
    }

    @AfterEach
    void stop() {
        broker.close(1000);
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new MqttConnection(broker, new Authenticator(config.principals)));
    }

    private static MqttMessage connect5(String id, String password, boolean cleanStart, MqttProperties props, boolean will) {
        var b = MqttMessageBuilders.connect().clientId(id).protocolVersion(MqttVersion.MQTT_5).cleanSession(cleanStart)
                .hasUser(true).username("u1").hasPassword(true).password(password.getBytes(StandardCharsets.UTF_8))
                .properties(props);
        if (will) {
            b.willFlag(true).willTopic("a/will").willMessage("gone".getBytes(StandardCharsets.UTF_8)).willQoS(MqttQoS.AT_MOST_ONCE);
        }
        return b.build();
    }

    private EmbeddedChannel connected(String id, MqttProperties props) {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect5(id, "p1", true, props, false));
        MqttConnAckMessage ack = ch.readOutbound();
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return ch;
    }

    private static MqttProperties props(MqttProperties.MqttProperty<?>... ps) {
        MqttProperties p = new MqttProperties();
        for (var x : ps) {
            p.add(x);
        }
        return p;
    }

    private static MqttPublishMessage publish(String topic, String payload, int qos, int pid, MqttProperties props) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.valueOf(qos), false, 0),
                new MqttPublishVariableHeader(topic, pid, props), Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
    }

    private static String nextPayload(EmbeddedChannel ch) {
        ch.runPendingTasks();
        Object o = ch.readOutbound();
        if (!(o instanceof MqttPublishMessage p)) {
            return null;
        }
        String s = p.variableHeader().topicName() + " " + p.content().toString(StandardCharsets.UTF_8);
        p.release();
        return s;
    }

    @Test
    void connackCarriesReasonCodesAndProperties() {
        EmbeddedChannel bad = channel();
        bad.writeInbound(connect5("c1", "wrong", true, MqttProperties.NO_PROPERTIES, false));
        MqttConnAckMessage refused = bad.readOutbound();
        assertThat(refused.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD);
        assertThat(bad.isActive()).isFalse();

        EmbeddedChannel auth = channel();
        auth.writeInbound(connect5("c1", "p1", true, props(new StringProperty(MqttPropertyType.AUTHENTICATION_METHOD.value(), "SCRAM-SHA-1")), false));
        MqttConnAckMessage noAuth = auth.readOutbound();
        assertThat(noAuth.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD);

        // no client id: one is assigned and told
        EmbeddedChannel ok = channel();
        ok.writeInbound(connect5("", "p1", true, MqttProperties.NO_PROPERTIES, false));
        MqttConnAckMessage ack = ok.readOutbound();
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        MqttProperties p = ack.variableHeader().properties();
        String assigned = ((StringProperty) p.getProperty(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value())).value();
        assertThat(assigned).startsWith("auto-");
        assertThat(broker.sessions().get(assigned)).isNotNull();
        assertThat(((IntegerProperty) p.getProperty(MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value())).value()).isEqualTo(16);
        assertThat(((IntegerProperty) p.getProperty(MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value())).value()).isEqualTo(1);
        assertThat(((IntegerProperty) p.getProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER_AVAILABLE.value())).value()).isEqualTo(1);
    }

    @Test
    void subackAndUnsubackCarryReasonCodes() {
        EmbeddedChannel ch = connected("c1", MqttProperties.NO_PROPERTIES);
        ch.writeInbound(MqttMessageBuilders.subscribe().messageId(3)
                .addSubscription(MqttQoS.EXACTLY_ONCE, "a/x")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "b")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "a/#/x").build());
        MqttSubAckMessage suback = ch.readOutbound();
        assertThat(suback.payload().reasonCodes()).containsExactly(2, 0x80, 0x80);
        ch.writeInbound(MqttMessageBuilders.unsubscribe().messageId(4).addTopicFilter("a/x").addTopicFilter("a/y").build());
        MqttUnsubAckMessage unsuback = ch.readOutbound();
        assertThat(unsuback.payload().unsubscribeReasonCodes()).containsExactly((short) 0, (short) 0x11);
    }

    @Test
    void noLocalKeepsTheClientsOwnMessagesAwayAndV311SharesTopics() {
        EmbeddedChannel ch = connected("c1", MqttProperties.NO_PROPERTIES);
        ch.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription("a/#",
                new MqttSubscriptionOption(MqttQoS.AT_MOST_ONCE, true, false,
                        MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE)).build());
        ch.readOutbound();
        EmbeddedChannel v3 = channel();
        v3.writeInbound(MqttMessageBuilders.connect().clientId("old").protocolVersion(MqttVersion.MQTT_3_1_1)
                .cleanSession(true).hasUser(true).username("u1").hasPassword(true)
                .password("p1".getBytes(StandardCharsets.UTF_8)).build());
        v3.readOutbound();
        v3.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_MOST_ONCE, "a/#").build());
        v3.readOutbound();
        ch.writeInbound(publish("a/own", "mine", 0, -1, MqttProperties.NO_PROPERTIES));
        v3.writeInbound(publish("a/other", "theirs", 0, -1, MqttProperties.NO_PROPERTIES));
        assertThat(nextPayload(ch)).isEqualTo("a/other theirs");
        assertThat(nextPayload(ch)).isNull();
        // the 3.1.1 client gets both, the MQTT 5 client's too
        assertThat(nextPayload(v3)).isEqualTo("a/own mine");
        assertThat(nextPayload(v3)).isEqualTo("a/other theirs");
    }

    private static MqttMessage subscribe(int id, String filter, boolean retainAsPublished,
                                         MqttSubscriptionOption.RetainedHandlingPolicy retainHandling) {
        return MqttMessageBuilders.subscribe().messageId(id).addSubscription(filter,
                new MqttSubscriptionOption(MqttQoS.AT_MOST_ONCE, false, retainAsPublished, retainHandling)).build();
    }

    /** The next PUBLISH as "topic payload retain=FLAG", or null. */
    private static String nextWithRetain(EmbeddedChannel ch) {
        ch.runPendingTasks();
        Object o = ch.readOutbound();
        if (!(o instanceof MqttPublishMessage p)) {
            return null;
        }
        String s = p.variableHeader().topicName() + " " + p.content().toString(StandardCharsets.UTF_8) + " retain="
                + p.fixedHeader().isRetain();
        p.release();
        return s;
    }

    // what the Paho suite's test_subscribe_options checks, which races in the suite itself (see PahoInteropSuiteIT)
    @Test
    void retainHandlingAndRetainAsPublishedFollowEachSubscriptionsOptions() {
        EmbeddedChannel pub = connected("p", MqttProperties.NO_PROPERTIES);
        MqttPublishMessage kept = publish("a/r", "kept", 0, -1, MqttProperties.NO_PROPERTIES);
        pub.writeInbound(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_MOST_ONCE,
                true, 0), kept.variableHeader(), kept.content()));

        EmbeddedChannel never = connected("never", MqttProperties.NO_PROPERTIES);
        never.writeInbound(subscribe(1, "a/#", false, MqttSubscriptionOption.RetainedHandlingPolicy.DONT_SEND_AT_SUBSCRIBE));
        never.readOutbound(); // SUBACK
        assertThat(nextWithRetain(never)).isNull();

        EmbeddedChannel once = connected("once", MqttProperties.NO_PROPERTIES);
        once.writeInbound(subscribe(1, "a/#", false,
                MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS));
        once.readOutbound();
        assertThat(nextWithRetain(once)).isEqualTo("a/r kept retain=true");
        once.writeInbound(subscribe(2, "a/#", false,
                MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS));
        once.readOutbound();
        assertThat(nextWithRetain(once)).as("the subscription existed: no retained message again").isNull();

        EmbeddedChannel always = connected("always", MqttProperties.NO_PROPERTIES);
        always.writeInbound(subscribe(1, "a/#", true, MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE));
        always.readOutbound();
        assertThat(nextWithRetain(always)).isEqualTo("a/r kept retain=true");
        always.writeInbound(subscribe(2, "a/#", true, MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE));
        always.readOutbound();
        assertThat(nextWithRetain(always)).as("retain handling 0: sent at every SUBSCRIBE").isEqualTo("a/r kept retain=true");

        // a live retained publish: the retain flag stays only for a retain-as-published subscription
        MqttPublishMessage live = publish("a/live", "now", 0, -1, MqttProperties.NO_PROPERTIES);
        pub.writeInbound(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_MOST_ONCE,
                true, 0), live.variableHeader(), live.content()));
        assertThat(nextWithRetain(always)).isEqualTo("a/live now retain=true");
        assertThat(nextWithRetain(never)).isEqualTo("a/live now retain=false");
        assertThat(nextWithRetain(once)).isEqualTo("a/live now retain=false");
    }

    @Test
    void inboundTopicAliasesResolveAndAnUnknownAliasCloses() {
        EmbeddedChannel sub = connected("s", MqttProperties.NO_PROPERTIES);
        sub.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_MOST_ONCE, "a/#").build());
        sub.readOutbound();
        EmbeddedChannel pub = connected("p", MqttProperties.NO_PROPERTIES);
        pub.writeInbound(publish("a/long/topic", "one", 0, -1, props(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), 1))));
        pub.writeInbound(publish("", "two", 0, -1, props(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), 1))));
        assertThat(nextPayload(sub)).isEqualTo("a/long/topic one");
        assertThat(nextPayload(sub)).isEqualTo("a/long/topic two");
        pub.writeInbound(publish("", "three", 0, -1, props(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), 2))));
        assertThat(pub.isActive()).isFalse();
        assertThat(nextPayload(sub)).isNull();
    }

    @Test
    void receiveMaximumLimitsUnacknowledgedDeliveries() {
        EmbeddedChannel sub = connected("s", props(new IntegerProperty(MqttPropertyType.RECEIVE_MAXIMUM.value(), 1)));
        sub.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/#").build());
        sub.readOutbound();
        EmbeddedChannel pub = connected("p", MqttProperties.NO_PROPERTIES);
        pub.writeInbound(publish("a/x", "one", 1, 1, MqttProperties.NO_PROPERTIES));
        pub.writeInbound(publish("a/x", "two", 1, 2, MqttProperties.NO_PROPERTIES));
        sub.runPendingTasks();
        MqttPublishMessage first = sub.readOutbound();
        assertThat(first.content().toString(StandardCharsets.UTF_8)).isEqualTo("one");
        first.release();
        sub.runPendingTasks();
        assertThat((Object) sub.readOutbound()).isNull();
        sub.writeInbound(MqttMessageBuilders.pubAck().packetId(first.variableHeader().packetId()).build());
        assertThat(nextPayload(sub)).isEqualTo("a/x two");
    }

    @Test
    void disconnectWithReasonCode4PublishesTheWillAndSessionExpiryKeepsTheSession() {
        EmbeddedChannel watcher = connected("w", MqttProperties.NO_PROPERTIES);
        watcher.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_MOST_ONCE, "a/will").build());
        watcher.readOutbound();
        MqttProperties keep = props(new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 3600));
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect5("c1", "p1", true, keep, true));
        ch.readOutbound();
        ch.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/kept").build());
        ch.readOutbound();
        ch.writeInbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) 0x04, MqttProperties.NO_PROPERTIES)));
        assertThat(ch.isActive()).isFalse();
        assertThat(nextPayload(watcher)).isEqualTo("a/will gone");
        // clean start 0: the session (expiry 3600 s) is still there
        EmbeddedChannel again = channel();
        again.writeInbound(connect5("c1", "p1", false, keep, false));
        MqttConnAckMessage ack = again.readOutbound();
        assertThat(ack.variableHeader().isSessionPresent()).isTrue();
        assertThat(broker.subscriptions().get("c1")).containsKey("a/kept");
        // expiry 0 (the default): nothing is kept
        again.close();
        EmbeddedChannel brief = channel();
        brief.writeInbound(connect5("c1", "p1", true, MqttProperties.NO_PROPERTIES, false));
        brief.readOutbound();
        assertThat(broker.subscriptions().get("c1")).isNull();
    }

    @Test
    void cleanStart0ResumesAStoredSessionAndTheExpiryIntervalEndsIt() {
        MqttProperties oneSecond = props(new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 1));
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect5("c1", "p1", true, props(new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 3600)), false));
        ch.readOutbound();
        ch.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/kept").build());
        ch.readOutbound();
        ch.close();
        EmbeddedChannel pub = connected("p", MqttProperties.NO_PROPERTIES);
        pub.writeInbound(publish("a/kept", "queued", 1, 1, MqttProperties.NO_PROPERTIES));
        // clean start 0 with interval 0 (the Paho suite's test_offline_message_queueing): the stored session is
        // resumed, what was queued is delivered, and nothing is kept after this connection
        EmbeddedChannel again = channel();
        again.writeInbound(connect5("c1", "p1", false, MqttProperties.NO_PROPERTIES, false));
        MqttConnAckMessage ack = again.readOutbound();
        assertThat(ack.variableHeader().isSessionPresent()).isTrue();
        assertThat(nextPayload(again)).isEqualTo("a/kept queued");
        assertThat(broker.subscriptions().get("c1")).isNull();

        // an interval of 1 s: kept while away, forgotten once it passed
        EmbeddedChannel brief = channel();
        brief.writeInbound(connect5("c2", "p1", true, oneSecond, false));
        brief.readOutbound();
        brief.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/x").build());
        brief.readOutbound();
        brief.pipeline().close(); // not EmbeddedChannel.close(), which cancels its loop's scheduled tasks
        brief.runPendingTasks();
        assertThat(brief.isActive()).isFalse();
        assertThat(broker.subscriptions().get("c2")).containsKey("a/x");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
            brief.runScheduledPendingTasks();
            return broker.subscriptions().get("c2") == null;
        });

        // a DISCONNECT that sets the interval to 0 ends the session at once
        EmbeddedChannel third = channel();
        third.writeInbound(connect5("c3", "p1", true, oneSecond, false));
        third.readOutbound();
        third.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/x").build());
        third.readOutbound();
        third.writeInbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) 0,
                        props(new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 0)))));
        assertThat(third.isActive()).isFalse();
        assertThat(broker.subscriptions().get("c3")).isNull();
    }
}
