package io.baetyl.hub.server;

import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;

/**
 * A subscription's options packed in one int, laid out as MQTT 5's subscription options byte: QoS (bits 0-1),
 * no-local (2), retain-as-published (3), retain handling (4-5). A 3.1.1 subscription is its QoS. This is what sessions
 * keep per filter and what the subscription store persists.
 */
final class SubscriptionOptions {
    static final int NO_LOCAL = 0x04;
    static final int RETAIN_AS_PUBLISHED = 0x08;
    /** Set in a match result: a matching filter asked for the retain flag as published. */
    static final int MATCH_RETAIN = 0x100;

    private SubscriptionOptions() {
    }

    /** Subscription identifiers are kept above the options byte's six bits: up to this value (2^25 - 1). */
    static final int MAX_ID = (1 << 25) - 1;
    private static final int ID_SHIFT = 6;

    /** {@code id}: the SUBSCRIBE's subscription identifier, 0 without one (at most {@link #MAX_ID}). */
    static int of(MqttTopicSubscription s, int grantedQos, int id) {
        MqttSubscriptionOption o = s.option();
        int idBits = id << ID_SHIFT;
        if (o == null) {
            return grantedQos | idBits;
        }
        return grantedQos | (o.isNoLocal() ? NO_LOCAL : 0) | (o.isRetainAsPublished() ? RETAIN_AS_PUBLISHED : 0)
                | (o.retainHandling().value() << 4) | idBits;
    }

    /** The subscription identifier, 0 if none. */
    static int id(int options) {
        return options >>> ID_SHIFT;
    }

    static int qos(int options) {
        return options & 0x03;
    }

    static boolean hasV5Options(int options) {
        return options > 0x03;
    }

    /** 0: send retained messages at subscribe, 1: only for a new subscription, 2: never. */
    static int retainHandling(int options) {
        return (options >> 4) & 0x03;
    }
}
