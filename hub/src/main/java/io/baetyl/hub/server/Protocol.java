package io.baetyl.hub.server;

import io.baetyl.hub.broker.Message;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import java.util.List;

/**
 * The packets the hub sends, built for the protocol version the client connected with. This is the one place where
 * versions differ in what goes on the wire; the session speaks in hub terms (a message, a packet id, a granted QoS).
 * MQTT 3.1 and 3.1.1 share {@link #V3}.
 */
class Protocol {
    static final Protocol V3 = new Protocol();

    private static final MqttFixedHeader PINGRESP = new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0);

    MqttConnAckMessage connAck(MqttConnectReturnCode code, boolean sessionPresent) {
        return new MqttConnAckMessage(fixed(MqttMessageType.CONNACK, 0),
                new MqttConnAckVariableHeader(code, sessionPresent));
    }

    MqttSubAckMessage subAck(int packetId, List<Integer> grantedOrFailure) {
        return new MqttSubAckMessage(fixed(MqttMessageType.SUBACK, 0), MqttMessageIdVariableHeader.from(packetId),
                new MqttSubAckPayload(grantedOrFailure));
    }

    MqttUnsubAckMessage unsubAck(int packetId) {
        return new MqttUnsubAckMessage(fixed(MqttMessageType.UNSUBACK, 0), MqttMessageIdVariableHeader.from(packetId));
    }

    /** PUBACK, PUBREC or PUBCOMP (QoS 0 fixed header) and PUBREL (QoS 1 fixed header, MQTT 3.1.1 §3.6.1). */
    MqttMessage ack(MqttMessageType type, int packetId) {
        return new MqttMessage(fixed(type, type == MqttMessageType.PUBREL ? 1 : 0), MqttMessageIdVariableHeader.from(packetId));
    }

    MqttMessage pingResp() {
        return new MqttMessage(PINGRESP);
    }

    MqttPublishMessage publish(Message m, int qos, int packetId, boolean dup, boolean retain) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(m.topic, qos == 0 ? -1 : packetId), io.netty.buffer.Unpooled.wrappedBuffer(m.payload));
    }

    private static MqttFixedHeader fixed(MqttMessageType type, int qos) {
        return new MqttFixedHeader(type, false, MqttQoS.valueOf(qos), false, 0);
    }
}
