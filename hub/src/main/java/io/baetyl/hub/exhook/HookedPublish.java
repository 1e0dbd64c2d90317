package io.baetyl.hub.exhook;

/**
 * A PUBLISH after the ExHook chain ({@code client.authorize}, then {@code message.publish}): what to store and route
 * ({@code topic}, {@code payload}, {@code qos}, {@code retain}, possibly rewritten by a hook), and how to answer the
 * client ({@code packetId} at the {@code clientQos} it sent).
 */
public record HookedPublish(Verdict verdict, String topic, byte[] payload, int qos, boolean retain, int packetId,
                            int clientQos) {
    public enum Verdict {
        /** Store and route; acknowledge as usual. */
        PUBLISH,
        /** {@code allow_publish=false}, or {@code failed_action: deny}: acknowledged, not stored, not routed. */
        DROP,
        /** {@code client.authorize} said no: handled like the hub's own refusal (the connection is closed). */
        NOT_AUTHORIZED
    }

    HookedPublish with(Verdict v) {
        return new HookedPublish(v, topic, payload, qos, retain, packetId, clientQos);
    }
}
