package io.baetyl.sdk.mqtt;

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges the QoS 1 and 2 messages a {@link HubClient} received: one by one through Paho, or, on a plain TCP
 * connection, the PUBACKs of many written to the socket together.
 */
final class PubackWriter {
    /** {@link HubClient}'s logger: these lines are the client's, and users filter them by its name. */
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);

    private final MqttClientConfig cfg;
    private final MqttAsyncClient client;
    /** MQTT straight on TCP (tcp://): batched PUBACKs can be written to the socket as they are. Not ws:// (framed). */
    private final boolean rawTcp;
    /** The socket of the established connection, while there is one (for {@link #ack(List)}). */
    private volatile Socket connectedSocket;

    PubackWriter(MqttClientConfig cfg, MqttAsyncClient client) {
        this.cfg = cfg;
        this.client = client;
        this.rawTcp = "tcp".equalsIgnoreCase(cfg.scheme());
    }

    /** A connection was established on {@code socket}. */
    void connected(Socket socket) {
        connectedSocket = socket;
    }

    /** The connection was lost or closed. */
    void disconnected() {
        connectedSocket = null;
    }

    /** See {@link HubClient#ack(MqttMessage)}. */
    void ack(MqttMessage message) {
        if (message.qos() == 0) {
            return;
        }
        try {
            client.messageArrivedComplete(message.id(), message.qos());
        } catch (MqttException e) {
            log.warn("mqtt ack failed: clientid={} id={}: {}", cfg.clientid, message.id(), HubClient.describe(e));
        }
    }

    /** See {@link HubClient#ack(List)}. */
    void ack(List<MqttMessage> messages) {
        Socket s = connectedSocket;
        if (!rawTcp || !(s instanceof PacketSocket ps) || s.isClosed() || !client.isConnected()) {
            messages.forEach(this::ack); // also between CONNACK and the connect callback: Paho knows the connection
            return;
        }
        byte[] packets = new byte[4 * messages.size()];
        int n = 0;
        for (MqttMessage m : messages) {
            if (m.qos() == 1) {
                packets[n++] = 0x40; // PUBACK
                packets[n++] = 2;    // remaining length: the packet id
                packets[n++] = (byte) (m.id() >> 8);
                packets[n++] = (byte) m.id();
            } else if (m.qos() == 2) {
                ack(m); // PUBREC: Paho keeps the QoS 2 state
            }
        }
        if (n == 0) {
            return;
        }
        try {
            ps.writePackets(packets, 0, n);
        } catch (IOException e) {
            // The connection is going: Paho notices it too, and the broker delivers the messages again.
            log.warn("mqtt ack failed: clientid={} ({} messages): {}", cfg.clientid, n / 4, HubClient.describe(e));
        }
    }
}
