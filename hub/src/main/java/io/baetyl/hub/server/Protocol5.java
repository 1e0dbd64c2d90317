package io.baetyl.hub.server;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.baetyl.hub.broker.Message;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * MQTT 5 for one connection: what the client announced in its CONNECT (receive maximum, topic alias maximum, session
 * expiry), its inbound topic aliases, and the v5 forms of the packets the hub sends (reason codes, CONNACK
 * properties). Everything else is shared with 3.1.1 in {@link Protocol}.
 */
final class Protocol5 extends Protocol {
    /** Topic aliases a client may set towards the hub. */
    static final int TOPIC_ALIAS_MAXIMUM = 16;

    private final int receiveMaximum;
    private long sessionExpirySeconds;
    private final int maximumPacketSize;
    private final Map<Integer, String> aliases = new HashMap<>();
    private String assignedClientId;
    /** What the hub sends: Message, outbound aliases, packet size, keep-alive (see {@link Protocol5Out}). */
    private final Protocol5Out out;

    Protocol5(MqttConnectMessage connect, int serverMaximumPacketSize) {
        MqttProperties p = connect.variableHeader().properties();
        receiveMaximum = intProperty(p, MqttPropertyType.RECEIVE_MAXIMUM, 65535);
        sessionExpirySeconds = Integer.toUnsignedLong(intProperty(p, MqttPropertyType.SESSION_EXPIRY_INTERVAL, 0));
        maximumPacketSize = serverMaximumPacketSize;
        out = new Protocol5Out(connect, sessionExpirySeconds);
    }

    private static int intProperty(MqttProperties p, MqttPropertyType type, int absent) {
        MqttProperties.MqttProperty<?> v = p.getProperty(type.value());
        return v instanceof IntegerProperty i ? i.value() : absent;
    }

    @Override
    int version() {
        return 5;
    }

    @Override
    boolean keepsSession(boolean cleanStart) {
        return sessionExpirySeconds > 0;
    }

    @Override
    long sessionExpirySeconds() {
        return sessionExpirySeconds == 0xFFFFFFFFL ? -1 : sessionExpirySeconds;
    }

    @Override
    void disconnected(MqttMessage disconnect) {
        // MQTT 5 §3.14.2.2.2: a session that had an interval of 0 cannot be given one at DISCONNECT (ignored here)
        if (sessionExpirySeconds > 0 && disconnect.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                && h.properties().getProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value()) instanceof IntegerProperty i) {
            sessionExpirySeconds = Integer.toUnsignedLong(i.value());
        }
    }

    @Override
    boolean acceptsEmptyClientIdWithSession() {
        return true;
    }

    @Override
    void assignedClientId(String id) {
        assignedClientId = id;
    }

    @Override
    int receiveMaximum() {
        return receiveMaximum;
    }

    @Override
    MqttConnAckMessage connAck(MqttConnectReturnCode code, boolean sessionPresent) {
        MqttProperties props = new MqttProperties();
        if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            if (assignedClientId != null) {
                props.add(new StringProperty(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), assignedClientId));
            }
            props.add(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), TOPIC_ALIAS_MAXIMUM));
            props.add(new IntegerProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), maximumPacketSize));
            props.add(new IntegerProperty(MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value(), 1));
            props.add(new IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER_AVAILABLE.value(), 1));
            out.connAckProperties(props);
        }
        return new MqttConnAckMessage(new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(reasonCode(code), sessionPresent, props));
    }

    /** The 3.1.1 return codes the connect step produces, as MQTT 5 reason codes. */
    static MqttConnectReturnCode reasonCode(MqttConnectReturnCode code) {
        return switch (code) {
            case CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION -> MqttConnectReturnCode.CONNECTION_REFUSED_UNSUPPORTED_PROTOCOL_VERSION;
            case CONNECTION_REFUSED_IDENTIFIER_REJECTED -> MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID;
            case CONNECTION_REFUSED_SERVER_UNAVAILABLE -> MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5;
            case CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD -> MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD;
            case CONNECTION_REFUSED_NOT_AUTHORIZED -> MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5;
            default -> code;
        };
    }

    @Override
    MqttSubAckMessage subAck(int packetId, List<Integer> codes) {
        // a refusal is 0x80 (unspecified error), not 0x87/0x8F: the Eclipse Paho interoperability suite's client
        // accepts only 0, 1, 2 and 0x80 in a SUBACK; the reason is in the hub's log
        List<Integer> sent = codes.stream().map(c -> c >= 0x80 ? 0x80 : c).toList();
        return new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(sent));
    }

    @Override
    MqttUnsubAckMessage unsubAck(int packetId, List<Short> codes) {
        return new MqttUnsubAckMessage(new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttUnsubAckPayload(codes));
    }

    /** Adds one Subscription Identifier property per matching subscription to the PUBLISH built by the base form. */
    @Override
    MqttPublishMessage publish(Message m, int qos, int packetId, boolean dup, boolean retain, List<Integer> subIds) {
        MqttPublishMessage p = publish(m, qos, packetId, dup, retain);
        if (subIds.isEmpty()) {
            return p;
        }
        MqttProperties props = new MqttProperties();
        for (MqttProperties.MqttProperty<?> q : p.variableHeader().properties().listAll()) {
            props.add(q);
        }
        for (int id : subIds) {
            props.add(new IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), id));
        }
        return new MqttPublishMessage(p.fixedHeader(),
                new MqttPublishVariableHeader(p.variableHeader().topicName(), p.variableHeader().packetId(), props),
                p.payload());
    }

    @Override
    int subscriptionId(MqttSubscribeMessage msg) {
        MqttProperties.MqttProperty<?> id = msg.idAndPropertiesVariableHeader().properties()
                .getProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value());
        return id instanceof IntegerProperty i ? i.value() : 0;
    }

    @Override
    boolean willOnDisconnect(MqttMessage disconnect) {
        // reason code 0x04: disconnect with will message
        return disconnect.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h && h.reasonCode() == 0x04;
    }

    /** The topic of an inbound PUBLISH with its alias applied; null if the alias is out of range or unknown. */
    @Override
    String inboundTopic(MqttPublishMessage msg) {
        String topic = msg.variableHeader().topicName();
        MqttProperties.MqttProperty<?> a = msg.variableHeader().properties().getProperty(MqttPropertyType.TOPIC_ALIAS.value());
        if (!(a instanceof IntegerProperty ip)) {
            return topic;
        }
        int alias = ip.value();
        if (alias < 1 || alias > TOPIC_ALIAS_MAXIMUM) {
            return null;
        }
        if (topic == null || topic.isEmpty()) {
            return aliases.get(alias);
        }
        aliases.put(alias, topic);
        return topic;
    }

    @Override
    MqttConnectReturnCode refuseConnect(MqttConnectMessage connect) {
        // enhanced authentication (AUTH packets) is not offered: the spec's answer is 0x8C
        return connect.variableHeader().properties().getProperty(MqttPropertyType.AUTHENTICATION_METHOD.value()) != null
                ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD : null;
    }

    // ---- what the hub sends: in Protocol5Out ---------------------------------------------------------------------------

    @Override
    MqttPublishMessage publish(io.baetyl.hub.broker.Message m, int qos, int packetId, boolean dup, boolean retain) {
        return out.publish(m, qos, packetId, dup, retain);
    }

    @Override
    boolean fits(io.baetyl.hub.broker.Message m, int qos, int subscriptionIds) {
        return out.fits(m, qos, subscriptionIds);
    }

    @Override
    MqttMessage disconnect(int reasonCode) {
        return Protocol5Out.disconnect(reasonCode);
    }

    @Override
    int keepAlive(int clientSeconds, int maxSeconds) {
        return out.keepAlive(clientSeconds, maxSeconds);
    }

    @Override
    void receiveMaximumIn(int max) {
        out.receiveMaximumIn = max;
    }

    @Override
    boolean exceedsReceiveMaximum(int inflight) {
        return inflight >= out.receiveMaximumIn;
    }

    @Override
    long willDelayMillis() {
        return out.willDelayMillis();
    }
}
