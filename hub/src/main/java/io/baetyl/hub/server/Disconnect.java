package io.baetyl.hub.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.mqtt.MqttMessage;
import java.util.concurrent.TimeUnit;

/**
 * A connection the hub ends: an MQTT 5 client is first sent a DISCONNECT with the reason (MQTT 5 §3.14.2.1), a 3.1.1
 * client is just closed, as before.
 */
final class Disconnect {
    static final int MALFORMED_PACKET = 0x81;
    static final int PROTOCOL_ERROR = 0x82;
    static final int SERVER_SHUTTING_DOWN = 0x8B;
    static final int KEEP_ALIVE_TIMEOUT = 0x8D;
    static final int SESSION_TAKEN_OVER = 0x8E;
    static final int RECEIVE_MAXIMUM_EXCEEDED = 0x93;
    static final int TOPIC_ALIAS_INVALID = 0x94;
    static final int PACKET_TOO_LARGE = 0x95;

    private Disconnect() {
    }

    static void close(Channel ch, Protocol protocol, int reasonCode) {
        if (!ch.isActive()) {
            return;
        }
        MqttMessage d = protocol.disconnect(reasonCode);
        if (d == null || !ch.isWritable()) {
            ch.close(); // a client that does not read would hold the connection open behind its DISCONNECT
        } else {
            ch.writeAndFlush(d).addListener(ChannelFutureListener.CLOSE);
            ch.eventLoop().schedule(() -> {
                ch.close(); // the DISCONNECT did not get out within a second: closed anyway
            }, 1, TimeUnit.SECONDS);
        }
    }
}
