package io.baetyl.hub.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the HTTP requests Netty's WebSocket handshake handler passes on, those for any other path than the
 * listener's, with {@code 404 Not Found}, then closes the connection (without an answer a client such as MQTT.js only
 * reports a CONNACK timeout). A request on the path that is no WebSocket upgrade gets Netty's own
 * {@code 400 Bad Request}.
 */
@ChannelHandler.Sharable
final class WebSocketPathGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WebSocketPathGuard.class);

    private final String path;

    WebSocketPathGuard(String path) {
        this.path = path;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest req) {
            String uri = req.uri();
            ReferenceCountUtil.release(msg);
            log.info("closing connection: remote={}, reason=websocket request for {} (listener path {}): 404",
                    ctx.channel().remoteAddress(), uri, path);
            answer(ctx, HttpResponseStatus.NOT_FOUND, "not found: MQTT over WebSocket is served on " + path + "\n");
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static void answer(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
}
