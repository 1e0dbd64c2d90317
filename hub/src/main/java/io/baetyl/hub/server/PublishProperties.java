package io.baetyl.hub.server;

import io.baetyl.hub.broker.Message;
import io.baetyl.hub.broker.MessageProperties;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperties;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * The MQTT 5 PUBLISH (and will) properties the hub passes from publisher to subscribers, between Netty's
 * {@link MqttProperties} and the hub's {@link MessageProperties}. Topic alias and subscription identifiers are not
 * among them: they belong to one connection.
 */
final class PublishProperties {
    private PublishProperties() {
    }

    /** What of {@code p} travels with the message; null if none of it. */
    static MessageProperties from(MqttProperties p) {
        // not isEmpty(): Netty's MqttProperties keeps user properties apart and does not count them there
        if (p == null || p == MqttProperties.NO_PROPERTIES) {
            return null;
        }
        int format = intValue(p, MqttPropertyType.PAYLOAD_FORMAT_INDICATOR, -1);
        MqttProperties.MqttProperty<?> e = p.getProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value());
        long expiry = e instanceof IntegerProperty i ? Integer.toUnsignedLong(i.value()) : -1;
        String contentType = stringValue(p, MqttPropertyType.CONTENT_TYPE);
        String responseTopic = stringValue(p, MqttPropertyType.RESPONSE_TOPIC);
        MqttProperties.MqttProperty<?> c = p.getProperty(MqttPropertyType.CORRELATION_DATA.value());
        byte[] correlation = c instanceof BinaryProperty b ? b.value() : null;
        List<String> user = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> u : p.getProperties(MqttPropertyType.USER_PROPERTY.value())) {
            if (u instanceof UserProperty up) {
                user.add(up.value().key);
                user.add(up.value().value);
            } else if (u instanceof UserProperties ups) {
                for (StringPair sp : ups.value()) {
                    user.add(sp.key);
                    user.add(sp.value);
                }
            }
        }
        return MessageProperties.orNull(new MessageProperties(format, expiry, contentType, responseTopic, correlation, user));
    }

    /** The properties a subscriber gets at {@code nowMillis}: the expiry interval is what is left of it. */
    static MqttProperties forSubscriber(Message m, long nowMillis) {
        MessageProperties mp = m.props;
        MqttProperties p = new MqttProperties();
        if (mp == null) {
            return p;
        }
        if (mp.payloadFormat >= 0) {
            p.add(new IntegerProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), mp.payloadFormat));
        }
        long remaining = m.remainingExpirySeconds(nowMillis);
        if (remaining >= 0) {
            p.add(new IntegerProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), (int) remaining));
        }
        if (mp.contentType != null) {
            p.add(new StringProperty(MqttPropertyType.CONTENT_TYPE.value(), mp.contentType));
        }
        if (mp.responseTopic != null) {
            p.add(new StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), mp.responseTopic));
        }
        if (mp.correlationData != null) {
            p.add(new BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), mp.correlationData));
        }
        for (int i = 0; i + 1 < mp.userProperties.size(); i += 2) {
            p.add(new UserProperty(mp.userProperties.get(i), mp.userProperties.get(i + 1)));
        }
        return p;
    }

    private static int intValue(MqttProperties p, MqttPropertyType type, int absent) {
        MqttProperties.MqttProperty<?> v = p.getProperty(type.value());
        return v instanceof IntegerProperty i ? i.value() : absent;
    }

    private static String stringValue(MqttProperties p, MqttPropertyType type) {
        MqttProperties.MqttProperty<?> v = p.getProperty(type.value());
        return v instanceof StringProperty s ? s.value() : null;
    }

    /** Bytes of a variable byte integer (MQTT 5 §1.5.5). */
    static int varIntLength(long v) {
        return v < 128 ? 1 : v < 16_384 ? 2 : v < 2_097_152 ? 3 : 4;
    }
}
