package io.baetyl.function.sql.query;

/**
 * What the SQL functions can see of the message besides its payload.
 *
 * @param clientId the publisher's client id, or "" when the caller does not know it (function.proto has no field for
 *                 it, so through gRPC it is always "")
 */
public record MessageInfo(long qos, String topic, String clientId, long timestamp) {
    public MessageInfo {
        topic = topic == null ? "" : topic;
        clientId = clientId == null ? "" : clientId;
    }
}
