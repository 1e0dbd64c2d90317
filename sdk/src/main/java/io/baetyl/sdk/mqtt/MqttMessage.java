package io.baetyl.sdk.mqtt;

/**
 * A message received from the broker. For QoS 1 the broker's delivery stays unacknowledged until
 * {@link HubClient#ack(MqttMessage)} is called, so a module can acknowledge only once it has handled the message
 * (for example once its own output was acknowledged).
 */
public record MqttMessage(String topic, int qos, byte[] payload, boolean retained, boolean dup, int id) {
}
