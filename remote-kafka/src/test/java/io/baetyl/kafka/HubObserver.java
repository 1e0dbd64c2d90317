package io.baetyl.kafka;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** A Paho client that keeps what it receives (persistent session, reconnecting: it outlives hub restarts). */
final class HubObserver implements AutoCloseable {
    final MqttClient paho;
    final List<String[]> received = new CopyOnWriteArrayList<>();

    HubObserver(String url, String id) throws Exception {
        paho = new MqttClient(url, id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("u1");
        o.setPassword("p1".toCharArray());
        o.setCleanSession(false);
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay(500);
        paho.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                received.add(new String[] {topic, new String(m.getPayload(), StandardCharsets.UTF_8)});
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        paho.connect(o);
    }

    HubObserver subscribe(String filter) throws Exception {
        paho.subscribe(filter, 1);
        return this;
    }

    /** Payloads in arrival order, each once. */
    List<String> distinct() {
        return received.stream().map(r -> r[1]).distinct().toList();
    }

    List<String> topics() {
        return received.stream().map(r -> r[0]).distinct().toList();
    }

    @Override
    public void close() throws Exception {
        if (paho.isConnected()) {
            paho.disconnect(1000);
        }
        paho.close(true);
    }
}
