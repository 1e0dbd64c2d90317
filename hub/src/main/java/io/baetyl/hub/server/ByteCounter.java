package io.baetyl.hub.server;

import io.baetyl.hub.broker.Metrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/** Counts MQTT bytes in and out (below TLS and websocket framing). */
@ChannelHandler.Sharable
final class ByteCounter extends ChannelDuplexHandler {
    private final Metrics metrics;

    ByteCounter(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf b) {
            metrics.bytesIn.add(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf b) {
            metrics.bytesOut.add(b.readableBytes());
        }
        ctx.write(msg, promise);
    }
}
