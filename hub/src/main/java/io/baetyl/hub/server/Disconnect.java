package io.baetyl.hub.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * A connection the hub ends: an MQTT 5 client is first sent a DISCONNECT with the reason (MQTT 5 §3.14.2.1), a 3.1.1
 * client is just closed, as before.
 *
 * <p>When the client caused the DISCONNECT with what it sent (too many unacknowledged publishes, a bad alias, a packet
 * too large, a malformed or forbidden packet), it is usually still sending. Closing the socket at once would then make
 * the kernel answer its next bytes with a TCP reset, and a reset makes the client's kernel drop what it has not read
 * yet, the DISCONNECT with its reason included. So for those the hub lingers: it stops reading packets, sends the
 * DISCONNECT and a FIN, discards whatever still arrives, and closes once the client has closed, or after
 * {@link #LINGER_SECONDS} at most.
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

    /** The longest a lingering connection stays open after its DISCONNECT (a socket and a timer each, no packets). */
    static final int LINGER_SECONDS = 5;

    private Disconnect() {
    }

    static void close(Channel ch, Protocol protocol, int reasonCode) {
        if (!ch.isActive()) {
            return;
        }
        MqttMessage d = protocol.disconnect(reasonCode);
        if (d == null || !ch.isWritable()) {
            ch.close(); // a client that does not read would hold the connection open behind its DISCONNECT
        } else if (causedByWhatTheClientSends(reasonCode) && ch instanceof SocketChannel socket
                && ch.pipeline().get(PipelineNames.DECODER) != null) {
            ch.pipeline().replace(PipelineNames.DECODER, PipelineNames.DECODER, new Discard());
            ch.config().setAutoRead(true); // read on, so that nothing unread turns the close into a reset
            ch.writeAndFlush(d).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    socket.shutdownOutput(); // the client reads the DISCONNECT, then end of stream, and closes
                } else {
                    ch.close();
                }
            });
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, LINGER_SECONDS, TimeUnit.SECONDS);
        } else {
            ch.writeAndFlush(d).addListener(ChannelFutureListener.CLOSE);
            ch.eventLoop().schedule(() -> {
                ch.close(); // the DISCONNECT did not get out within a second: closed anyway
            }, 1, TimeUnit.SECONDS);
        }
    }

    private static boolean causedByWhatTheClientSends(int reasonCode) {
        return reasonCode == MALFORMED_PACKET || reasonCode == PROTOCOL_ERROR || reasonCode == RECEIVE_MAXIMUM_EXCEEDED
                || reasonCode == TOPIC_ALIAS_INVALID || reasonCode == PACKET_TOO_LARGE;
    }

    /**
     * Takes the MQTT decoder's place on a lingering connection: bytes are dropped unread. The peer's end of stream
     * closes the channel (half-closure is off), which ends the session as any close does.
     */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf)) {
                ctx.fireChannelRead(msg);
                return;
            }
            ReferenceCountUtil.release(msg);
        }
    }
}
