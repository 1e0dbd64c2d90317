package io.baetyl.hub.server;

import io.baetyl.hub.broker.Message;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
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
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import java.util.List;

/**
 * The packets the hub sends, built for the protocol version the client connected with. This is the one place where
 * versions differ in what goes on the wire; the session speaks in hub terms (a message, a packet id, a granted QoS).
 * MQTT 3.1 and 3.1.1 share {@link #V3}.
 */
class Protocol {
    static final Protocol V3 = new Protocol();

    /** The protocol of a connection, chosen by its CONNECT: MQTT 5 gets its own instance (it has per-connection state). */
    static Protocol forConnect(MqttConnectMessage connect, int serverMaximumPacketSize) {
        return connect.variableHeader().version() == 5 ? new Protocol5(connect, serverMaximumPacketSize) : V3;
    }

    int version() {
        return 4;
    }

    /** Whether the session outlives the connection: 3.1.1 clean session 0; MQTT 5 a session expiry interval above 0. */
    boolean keepsSession(boolean cleanSession) {
        return !cleanSession;
    }

    /**
     * Seconds a kept session outlives its connection (MQTT 5 session expiry interval, as the CONNECT or the
     * DISCONNECT set it); -1: until the client comes back (3.1.1, and MQTT 5's 0xFFFFFFFF).
     */
    long sessionExpirySeconds() {
        return -1;
    }

    /** A DISCONNECT from the client: MQTT 5 may change the session expiry interval with it. */
    void disconnected(MqttMessage disconnect) {
    }

    /** MQTT 3.1.1 [MQTT-3.1.3-8]: a session that is to be kept needs a client id; MQTT 5 assigns one. */
    boolean acceptsEmptyClientIdWithSession() {
        return false;
    }

    /** A refusal of what the connect step does not check for this version (MQTT 5: an enhanced AUTH method), or null. */
    MqttConnectReturnCode refuseConnect(MqttConnectMessage connect) {
        return null;
    }

    /** The hub gave the client an id (it sent none). */
    void assignedClientId(String id) {
    }

    /** At most this many unacknowledged QoS 1 and 2 deliveries to the client (MQTT 5 receive maximum). */
    int receiveMaximum() {
        return 65535;
    }

    /** Whether a DISCONNECT asks for the will to be published (MQTT 5 reason code 0x04). */
    boolean willOnDisconnect(MqttMessage disconnect) {
        return false;
    }

    /** The topic of an inbound PUBLISH (MQTT 5: with its topic alias applied); null if it cannot be resolved. */
    String inboundTopic(MqttPublishMessage msg) {
        return msg.variableHeader().topicName();
    }

    /**
     * Whether a PUBLISH of {@code m} at {@code qos} fits the client's maximum packet size (MQTT 5); 3.1.1 clients
     * announce none.
     */
    boolean fits(Message m, int qos, int subscriptionIds) {
        return true;
    }

    /** The DISCONNECT the hub sends before it closes the connection (MQTT 5 reason {@code reasonCode}); 3.1.1: none. */
    MqttMessage disconnect(int reasonCode) {
        return null;
    }

    /**
     * The keep-alive the hub holds the client to: its own, or for MQTT 5 at most {@code maxSeconds} (above 0), which
     * the CONNACK then tells as Server Keep Alive. 3.1.1 has no way to tell a client, so its value stands.
     */
    int keepAlive(int clientSeconds, int maxSeconds) {
        return clientSeconds;
    }

    /** The hub's own Receive Maximum for this client (MQTT 5; 3.1.1 has none). */
    void receiveMaximumIn(int max) {
    }

    /** Whether a new QoS 1 or 2 publish, with {@code inflight} unacknowledged before it, exceeds the hub's Receive Maximum. */
    boolean exceedsReceiveMaximum(int inflight) {
        return false;
    }

    /** How long after an unexpected end of the connection the will is published (MQTT 5 will delay interval). */
    long willDelayMillis() {
        return 0;
    }

    private static final MqttFixedHeader PINGRESP = new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0);

    MqttConnAckMessage connAck(MqttConnectReturnCode code, boolean sessionPresent) {
        return new MqttConnAckMessage(fixed(MqttMessageType.CONNACK, 0),
                new MqttConnAckVariableHeader(code, sessionPresent));
    }

    /** {@code codes}: the granted QoS or an MQTT 5 reason code of 0x80 and above, which 3.1.1 sends as 0x80. */
    MqttSubAckMessage subAck(int packetId, List<Integer> codes) {
        List<Integer> v3 = codes.stream().map(c -> c >= 0x80 ? 0x80 : c).toList();
        return new MqttSubAckMessage(fixed(MqttMessageType.SUBACK, 0), MqttMessageIdVariableHeader.from(packetId),
                new MqttSubAckPayload(v3));
    }

    /** {@code codes}: per filter 0 (unsubscribed) or 0x11 (no subscription existed); 3.1.1 sends none. */
    MqttUnsubAckMessage unsubAck(int packetId, List<Short> codes) {
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

    /**
     * A PUBLISH with the subscription identifiers of the filters it matched (MQTT 5; 3.1.1 has none): {@code subIds}
     * empty is {@link #publish(Message, int, int, boolean, boolean)}.
     */
    MqttPublishMessage publish(Message m, int qos, int packetId, boolean dup, boolean retain, List<Integer> subIds) {
        return publish(m, qos, packetId, dup, retain);
    }

    /** The subscription identifier of a SUBSCRIBE, 0 without one (3.1.1). */
    int subscriptionId(MqttSubscribeMessage msg) {
        return 0;
    }

    private static MqttFixedHeader fixed(MqttMessageType type, int qos) {
        return new MqttFixedHeader(type, false, MqttQoS.valueOf(qos), false, 0);
    }
}
