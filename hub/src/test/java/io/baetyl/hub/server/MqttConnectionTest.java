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
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The connection handler over EmbeddedChannel: no sockets, decoded messages in, messages out. */
class MqttConnectionTest {
    private final HubConfig config = config();
    private final Broker broker = new Broker(config, new MemoryStore());

    private static HubConfig config() {
        HubConfig c = TestConfigs.u1UnderA();
        return c;
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new MqttConnection(broker, new Authenticator(config.principals)));
    }

    @AfterEach
    void stop() {
        broker.close(1000);
    }

    private static MqttMessage connect(String id, String user, String pass) {
        var b = MqttMessageBuilders.connect().clientId(id).protocolVersion(MqttVersion.MQTT_3_1_1).cleanSession(true);
        if (user != null) {
            b.hasUser(true).username(user);
        }
        if (pass != null) {
            b.hasPassword(true).password(pass.getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    @Test
    void connectAcceptedThenPingAnswered() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect("c1", "u1", "p1"));
        MqttConnAckMessage ack = ch.readOutbound();
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(ack.variableHeader().isSessionPresent()).isFalse();
        ch.writeInbound(MqttMessage.PINGREQ);
        MqttMessage pong = ch.readOutbound();
        assertThat(pong.fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
        assertThat(broker.sessions().get("c1")).isNotNull();
        ch.close();
        assertThat(broker.sessions().get("c1")).isNull();
    }

    @Test
    void connectWithoutUsernameIsRefusedAndClosed() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect("c1", null, null));
        MqttConnAckMessage ack = ch.readOutbound();
        assertThat(ack.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        assertThat(ch.isActive()).isFalse();
    }

    @Test
    void subscribeReturnsPerFilterCodesAndQos0PublishIsDelivered() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect("c1", "u1", "p1"));
        ch.readOutbound();
        ch.writeInbound(MqttMessageBuilders.subscribe().messageId(5)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "a/+")
                .addSubscription(MqttQoS.AT_MOST_ONCE, "b")
                .addSubscription(MqttQoS.EXACTLY_ONCE, "a/#").build());
        MqttSubAckMessage suback = ch.readOutbound();
        assertThat(suback.variableHeader().messageId()).isEqualTo(5);
        assertThat(suback.payload().grantedQoSLevels()).containsExactly(1, 128, 2);
        ch.writeInbound(MqttMessageBuilders.publish().topicName("a/x").qos(MqttQoS.AT_MOST_ONCE)
                .payload(Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8)).build());
        ch.runPendingTasks();
        io.netty.handler.codec.mqtt.MqttPublishMessage out = ch.readOutbound();
        assertThat(out.variableHeader().topicName()).isEqualTo("a/x");
        assertThat(out.content().toString(StandardCharsets.UTF_8)).isEqualTo("hi");
        out.release();
        // a topic outside the permits closes the connection
        ch.writeInbound(MqttMessageBuilders.publish().topicName("b").qos(MqttQoS.AT_MOST_ONCE)
                .payload(Unpooled.EMPTY_BUFFER).build());
        assertThat(ch.isActive()).isFalse();
    }
}
