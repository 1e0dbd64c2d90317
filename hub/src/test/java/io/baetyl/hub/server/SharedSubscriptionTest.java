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
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Shared subscriptions ({@code $share/{group}/{filter}}) and subscription identifiers over EmbeddedChannel. */
@Timeout(30)
class SharedSubscriptionTest {
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

    private EmbeddedChannel connect(String id, int version, boolean keep) {
        EmbeddedChannel ch = new EmbeddedChannel(new MqttConnection(broker, new Authenticator(config.principals)));
        MqttProperties props = new MqttProperties();
        if (version == 5 && keep) {
            props.add(new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 3600));
        }
        ch.writeInbound(MqttMessageBuilders.connect().clientId(id)
                .protocolVersion(version == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1).cleanSession(!keep)
                .hasUser(true).username("u1").hasPassword(true).password("p1".getBytes(StandardCharsets.UTF_8))
                .properties(props).build());
        MqttConnAckMessage ack = ch.readOutbound();
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return ch;
    }

    private static List<Integer> subscribe(EmbeddedChannel ch, int qos, int subscriptionId, String... filters) {
        List<MqttTopicSubscription> subs = new ArrayList<>();
        for (String f : filters) {
            subs.add(new MqttTopicSubscription(f, MqttQoS.valueOf(qos)));
        }
        MqttProperties props = new MqttProperties();
        if (subscriptionId > 0) {
            props.add(new IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), subscriptionId));
        }
        ch.writeInbound(new MqttSubscribeMessage(new MqttFixedHeader(MqttMessageType.SUBSCRIBE, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(1, props), new MqttSubscribePayload(subs)));
        MqttSubAckMessage ack = ch.readOutbound();
        return ack.payload().reasonCodes();
    }

    private static void publish(EmbeddedChannel ch, String topic, String payload, int qos, int pid, boolean retain) {
        ch.writeInbound(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(topic, qos == 0 ? -1 : pid), Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)));
        if (qos > 0) {
            ch.runPendingTasks();
            Object ack = ch.readOutbound();
            assertThat(ack).isInstanceOf(MqttMessage.class);
        }
    }

    /** Payloads of the PUBLISHes the client was sent so far (QoS 1 ones acknowledged if {@code ack}). */
    private static List<String> received(EmbeddedChannel ch, boolean ack) {
        List<String> out = new ArrayList<>();
        ch.runPendingTasks();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof MqttPublishMessage p) {
                out.add(p.content().toString(StandardCharsets.UTF_8));
                if (ack && p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                    ch.writeInbound(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
                }
                p.release();
            }
            ch.runPendingTasks();
        }
        return out;
    }

    @Test
    void eachMessageGoesToOneMemberRoundRobinAtQos0AndQos1() {
        EmbeddedChannel m5 = connect("m5", 5, false);
        EmbeddedChannel m3 = connect("m3", 4, false); // 3.1.1 clients may share too, as with EMQX and Mosquitto
        EmbeddedChannel plain = connect("plain", 5, false);
        assertThat(subscribe(m5, 1, 0, "$share/g/a/#")).containsExactly(1);
        assertThat(subscribe(m3, 1, 0, "$share/g/a/+")).containsExactly(1); // another group (another filter)
        assertThat(subscribe(m3, 1, 0, "$share/g/a/#")).containsExactly(1);
        assertThat(subscribe(plain, 1, 0, "a/#")).containsExactly(1);
        EmbeddedChannel pub = connect("pub", 5, false);
        for (int i = 0; i < 4; i++) {
            publish(pub, "a/x/y", "q0-" + i, 0, 0, false);
        }
        for (int i = 0; i < 4; i++) {
            publish(pub, "a/x/y", "q1-" + i, 1, i + 1, false);
        }
        List<String> got5 = received(m5, true);
        List<String> got3 = received(m3, true);
        // a/x/y does not match a/+: only the a/# group delivers; each message to exactly one member, alternating
        assertThat(got5).hasSize(4);
        assertThat(got3).hasSize(4);
        List<String> all = new ArrayList<>(got5);
        all.addAll(got3);
        assertThat(all).containsExactlyInAnyOrder("q0-0", "q0-1", "q0-2", "q0-3", "q1-0", "q1-1", "q1-2", "q1-3");
        assertThat(received(plain, true)).hasSize(8); // an ordinary subscription gets everything
    }

    @Test
    void permitsApplyToTheInnerFilterAndMalformedSharesAreRefused() {
        EmbeddedChannel ch = connect("c", 5, false);
        assertThat(subscribe(ch, 0, 0, "$share/g/a/1", "$share/g/b", "$share//a/1", "$share/g+/a/1", "$share/g", "$share/g/a/#/x"))
                .containsExactly(0, 0x80, 0x80, 0x80, 0x80, 0x80);
    }

    @Test
    void retainedMessagesAreNotSentForASharedSubscription() {
        EmbeddedChannel pub = connect("pub", 5, false);
        publish(pub, "a/r", "kept", 1, 1, true);
        EmbeddedChannel ch = connect("c", 5, false);
        subscribe(ch, 1, 0, "$share/g/a/#");
        assertThat(received(ch, true)).isEmpty();
        subscribe(ch, 1, 0, "a/#");
        assertThat(received(ch, true)).containsExactly("kept");
    }

    @Test
    void anUnacknowledgedMessageStaysWithItsPersistentMemberAndTheSubscriptionIsPersisted() {
        EmbeddedChannel a = connect("a", 5, true);
        EmbeddedChannel b = connect("b", 5, false);
        subscribe(a, 1, 0, "$share/g/a/#");
        subscribe(b, 1, 0, "$share/g/a/#");
        EmbeddedChannel pub = connect("pub", 5, false);
        publish(pub, "a/1", "one", 1, 1, false);
        publish(pub, "a/1", "two", 1, 2, false);
        List<String> gotA = received(a, false); // not acknowledged
        List<String> gotB = received(b, true);
        assertThat(gotA).hasSize(1);
        assertThat(gotB).hasSize(1);
        assertThat(broker.subscriptions().get("a")).containsKey("$share/g/a/#");
        a.close();
        publish(pub, "a/1", "three", 1, 3, false); // only b is connected
        assertThat(received(b, true)).containsExactly("three");
        EmbeddedChannel again = connect("a", 5, true);
        assertThat(received(again, true)).containsExactly(gotA.get(0)); // kept for a, as Mosquitto does
        assertThat(received(b, true)).isEmpty();
    }

    @Test
    void aPublishCarriesTheIdentifiersOfAllMatchingSubscriptions() {
        EmbeddedChannel ch = connect("c", 5, false);
        subscribe(ch, 1, 5, "a/#");
        subscribe(ch, 0, 7, "a/+");
        subscribe(ch, 0, 0, "a/x/#");
        EmbeddedChannel v3 = connect("v3", 4, false);
        subscribe(v3, 0, 0, "a/#");
        EmbeddedChannel pub = connect("pub", 5, false);
        publish(pub, "a/x", "m", 1, 1, false);
        ch.runPendingTasks();
        MqttPublishMessage p = ch.readOutbound();
        List<Integer> ids = p.variableHeader().properties().getProperties(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value())
                .stream().map(x -> ((IntegerProperty) x).value()).toList();
        assertThat(ids).containsExactly(5, 7);
        p.release();
        publish(pub, "a/x/y", "n", 0, 0, false);
        ch.runPendingTasks();
        MqttPublishMessage q = ch.readOutbound();
        assertThat(q.variableHeader().properties().getProperties(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value())
                .stream().map(x -> ((IntegerProperty) x).value()).toList()).containsExactly(5);
        q.release();
        v3.runPendingTasks();
        MqttPublishMessage r = v3.readOutbound();
        assertThat(r.variableHeader().properties().isEmpty()).isTrue();
        r.release();
    }

    @Test
    void subscriptionIdentifiersArePersistedWithTheSession() {
        EmbeddedChannel ch = connect("c", 5, true);
        subscribe(ch, 1, 42, "a/#");
        ch.close();
        EmbeddedChannel again = connect("c", 5, true);
        EmbeddedChannel pub = connect("pub", 5, false);
        publish(pub, "a/x", "m", 0, 0, false);
        again.runPendingTasks();
        MqttPublishMessage p = again.readOutbound();
        assertThat(((IntegerProperty) p.variableHeader().properties()
                .getProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value())).value()).isEqualTo(42);
        p.release();
    }
}
