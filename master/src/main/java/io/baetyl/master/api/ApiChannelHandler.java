package io.baetyl.master.api;

import io.baetyl.sdk.Env;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection. Copies each aggregated request out of Netty's buffers and runs {@link ApiRouter} on a worker
 * thread, because the master calls behind it block (starting an instance can take seconds). Requests of one
 * connection are chained so that responses leave in request order even when a client pipelines.
 */
final class ApiChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(ApiChannelHandler.class);

    private final ApiRouter router;
    private final Executor workers;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Touched only on this channel's event loop. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    ApiChannelHandler(ApiRouter router, Executor workers) {
        this.router = router;
        this.workers = workers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (req.decoderResult().isFailure()) {
            log.debug("api request undecodable: remote={}, cause={}", ctx.channel().remoteAddress(),
                    req.decoderResult().cause());
            inFlight.incrementAndGet();
            write(ctx, ApiResponse.error(400, "400 bad request"), false);
            return;
        }
        String method = req.method().name();
        String path = new QueryStringDecoder(req.uri()).path();
        String username = req.headers().get(Env.HEADER_USERNAME);
        String password = req.headers().get(Env.HEADER_PASSWORD);
        byte[] body = ByteBufUtil.getBytes(req.content());
        inFlight.incrementAndGet();
        tail = tail.handleAsync((ignored, previousError) -> {
            ApiResponse response;
            try {
                response = router.handle(method, path, username, password, body);
            } catch (Throwable t) { // a bug in the router must still answer the client
                log.error("api request crashed: method={}, path={}", method, io.baetyl.master.security.LogSafe.q(path), t);
                response = ApiResponse.error(500, "internal error");
            }
            write(ctx, response, keepAlive);
            return null;
        }, workers);
    }

    private void write(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
                Unpooled.wrappedBuffer(r.body()));
        if (r.contentType() != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        if (r.status() >= 400) {
            res.headers().set("X-Content-Type-Options", "nosniff");
        }
        HttpUtil.setContentLength(res, r.body().length);
        if (!keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
            inFlight.decrementAndGet();
            if (!keepAlive || !f.isSuccess()) {
                f.channel().close();
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            // A slow master call is not idleness: only connections with nothing in flight are timed out.
            if (inFlight.get() == 0) {
                log.debug("api connection idle, closing: remote={}", ctx.channel().remoteAddress());
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause.getCause() instanceof IOException) {
            log.debug("api connection error: remote={}, cause={}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("api connection error: remote={}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
