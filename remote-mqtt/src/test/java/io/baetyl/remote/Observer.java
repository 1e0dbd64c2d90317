package io.baetyl.remote;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** An independent Paho client that publishes and records what it receives. */
final class Observer implements AutoCloseable, MqttCallbackExtended {
    record Received(String topic, int qos, String payload) {
    }

    final MqttClient paho;
    final List<Received> received = new CopyOnWriteArrayList<>();

    /**
     * @param persistent clean session off plus automatic reconnect, for observing across broker restarts
     */
    Observer(String url, String id, String user, String pass, boolean persistent) throws MqttException {
        paho = new MqttClient(url, id, new MemoryPersistence());
        paho.setCallback(this);
        MqttConnectOptions o = new MqttConnectOptions();
        if (user != null) {
            o.setUserName(user);
            o.setPassword(pass.toCharArray());
        }
        o.setCleanSession(!persistent);
        o.setAutomaticReconnect(persistent);
        o.setMaxReconnectDelay(500);
        o.setConnectionTimeout(5);
        o.setMaxInflight(1000);
        paho.connect(o);
    }

    Observer subscribe(String filter, int qos) throws MqttException {
        paho.subscribe(filter, qos);
        return this;
    }

    void publish(String topic, int qos, String payload) throws MqttException {
        paho.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    List<String> payloads() {
        return received.stream().map(Received::payload).toList();
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
    }

    @Override
    public void connectionLost(Throwable cause) {
    }

    @Override
    public void messageArrived(String topic, MqttMessage m) {
        received.add(new Received(topic, m.getQos(), new String(m.getPayload(), StandardCharsets.UTF_8)));
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {
    }

    @Override
    public void close() {
        try {
            if (paho.isConnected()) {
                paho.disconnect(1000);
            }
            paho.close(true);
        } catch (MqttException ignored) {
            // already gone
        }
    }
}
