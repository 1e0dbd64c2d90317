package io.baetyl.master.api;

import io.baetyl.master.security.LogSafe;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty's aggregator with the API's own answer to an oversized body: {@code 413} with a one-line reason, logged.
 * The answer goes out at once; the rest of the body is read and discarded (never held), and the connection is closed
 * when it ends. Closing earlier would make the kernel reset the connection over the unread bytes, and the client
 * could lose the answer.
 */
final class BoundedAggregator extends HttpObjectAggregator {
    private static final Logger log = LoggerFactory.getLogger(BoundedAggregator.class);
    private boolean closeAfterBody;

    BoundedAggregator(int maxContentLength) {
        super(maxContentLength);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        boolean last = msg instanceof LastHttpContent;
        super.channelRead(ctx, msg);
        if (last && closeAfterBody) {
            ctx.close();
        }
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest req)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        log.warn("api request refused: method={}, path={}, username={}, status=413, reason=body over {} bytes "
                        + "(content-length {})", req.method(), LogSafe.q(req.uri()),
                LogSafe.q(req.headers().get(io.baetyl.sdk.Env.HEADER_USERNAME)), maxContentLength(),
                LogSafe.q(req.headers().get(HttpHeaderNames.CONTENT_LENGTH, "none")));
        byte[] body = ("request body too large: the limit is " + maxContentLength() + " bytes\n")
                .getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, ApiResponse.TEXT);
        res.headers().set("X-Content-Type-Options", "nosniff");
        HttpUtil.setContentLength(res, body.length);
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        closeAfterBody = true;
    }
}
