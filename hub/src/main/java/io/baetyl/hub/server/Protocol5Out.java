package io.baetyl.hub.server;

import io.baetyl.hub.broker.Message;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What an MQTT 5 connection is sent, shaped by what its CONNECT announced: PUBLISH with the message's properties (the
 * expiry interval counted down), outbound topic aliases within the client's Topic Alias Maximum, the client's Maximum
 * Packet Size, Server Keep Alive, and the will delay. One per connection, event-loop only.
 */
final class Protocol5Out {
    /** Outbound topic aliases per connection at most (whatever the client allows): bounds the map below. */
    static final int OUTBOUND_ALIAS_MAXIMUM = 64;
    /** Bytes a topic alias property takes in a PUBLISH (identifier and two-byte value). */
    private static final int ALIAS_PROPERTY_LENGTH = 3;

    private final int aliasMaximum;
    private final Map<String, Integer> aliasOf = new HashMap<>();
    /** The client's Maximum Packet Size (MQTT 5 §3.1.2.11.4); unlimited when it sent none. */
    private final long maximumPacketSize;
    private final long willDelayMillis;
    private int serverKeepAlive = -1;
    /** The hub's Receive Maximum (MQTT 5 §3.2.2.3.3): QoS 1 and 2 publishes the client may have unacknowledged. */
    int receiveMaximumIn = 65535;

    Protocol5Out(MqttConnectMessage connect, long sessionExpirySeconds) {
        MqttProperties p = connect.variableHeader().properties();
        MqttProperties.MqttProperty<?> a = p.getProperty(MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value());
        aliasMaximum = Math.min(OUTBOUND_ALIAS_MAXIMUM, a instanceof IntegerProperty i ? i.value() : 0);
        MqttProperties.MqttProperty<?> m = p.getProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value());
        maximumPacketSize = m instanceof IntegerProperty i && i.value() != 0 ? Integer.toUnsignedLong(i.value()) : Long.MAX_VALUE;
        long delay = 0;
        if (connect.variableHeader().isWillFlag() && connect.payload().willProperties() != null) {
            MqttProperties.MqttProperty<?> d = connect.payload().willProperties().getProperty(MqttPropertyType.WILL_DELAY_INTERVAL.value());
            delay = d instanceof IntegerProperty i ? Integer.toUnsignedLong(i.value()) : 0;
        }
        // MQTT 5 §3.1.3.2.2: the will goes out when the delay has passed or the session ends, whichever comes first
        willDelayMillis = Math.min(delay, sessionExpirySeconds) * 1000;
    }

    MqttPublishMessage publish(Message m, int qos, int packetId, boolean dup, boolean retain) {
        MqttProperties props = PublishProperties.forSubscriber(m, System.currentTimeMillis());
        String topic = m.topic;
        Integer alias = aliasOf.get(topic);
        if (alias != null) {
            topic = ""; // MQTT 5 §3.3.2.3.4: the alias stands for the topic the client was told with it
            props.add(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), alias));
        } else if (aliasOf.size() < aliasMaximum) {
            alias = aliasOf.size() + 1;
            aliasOf.put(topic, alias);
            props.add(new IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), alias));
        }
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(topic, qos == 0 ? -1 : packetId, props), Unpooled.wrappedBuffer(m.payload));
    }

    /**
     * Whether the PUBLISH of {@code m} at {@code qos} with {@code subscriptionIds} identifiers is within the client's
     * maximum packet size (counted with the whole topic, and each identifier at its largest, 5 bytes).
     */
    boolean fits(Message m, int qos, int subscriptionIds) {
        if (maximumPacketSize == Long.MAX_VALUE) {
            return true;
        }
        return packetSize(m, qos, aliasMaximum > 0) + 5L * subscriptionIds <= maximumPacketSize;
    }

    /**
     * At most the size of the PUBLISH this connection sends for {@code m}: with the whole topic, and an alias property
     * if the connection uses aliases.
     */
    static long packetSize(Message m, int qos, boolean aliases) {
        long props = m.propsLength() + (aliases ? ALIAS_PROPERTY_LENGTH : 0);
        long remaining = 2L + m.topic.getBytes(StandardCharsets.UTF_8).length + (qos > 0 ? 2 : 0)
                + PublishProperties.varIntLength(props) + props + m.payload.length;
        return 1 + PublishProperties.varIntLength(remaining) + remaining;
    }

    static MqttMessage disconnect(int reasonCode) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode, MqttProperties.NO_PROPERTIES));
    }

    /** The client's keep-alive, or {@code maxSeconds} (when above 0) if it asks for more or for none. */
    int keepAlive(int clientSeconds, int maxSeconds) {
        if (maxSeconds > 0 && (clientSeconds == 0 || clientSeconds > maxSeconds)) {
            serverKeepAlive = maxSeconds;
            return maxSeconds;
        }
        return clientSeconds;
    }

    void connAckProperties(MqttProperties props) {
        if (receiveMaximumIn < 65535) {
            props.add(new IntegerProperty(MqttPropertyType.RECEIVE_MAXIMUM.value(), receiveMaximumIn));
        }
        if (serverKeepAlive >= 0) {
            props.add(new IntegerProperty(MqttPropertyType.SERVER_KEEP_ALIVE.value(), serverKeepAlive));
        }
    }

    long willDelayMillis() {
        return willDelayMillis;
    }
}
