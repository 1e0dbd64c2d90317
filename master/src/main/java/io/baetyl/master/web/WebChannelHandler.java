package io.baetyl.master.web;

import io.baetyl.master.security.LogSafe;
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
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection: copies each request out of Netty's buffers and runs the {@link WebHandler} on a worker thread
 * (it may block: a restart takes a grace period). Requests of one connection are answered in order.
 */
final class WebChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(WebChannelHandler.class);

    private final String name;
    private final WebHandler handler;
    private final Executor workers;
    private final boolean secure;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Touched only on this channel's event loop. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    WebChannelHandler(String name, WebHandler handler, Executor workers, boolean secure) {
        this.name = name;
        this.handler = handler;
        this.workers = workers;
        this.secure = secure;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        inFlight.incrementAndGet();
        if (req.decoderResult().isFailure()) {
            write(ctx, WebResponse.text(400, "bad request"), false);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        Map<String, String> headers = new HashMap<>();
        req.headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
        String remote = ctx.channel().remoteAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
        WebRequest request = new WebRequest(req.method().name(), uri.path(), uri.parameters(), headers,
                ByteBufUtil.getBytes(req.content()), remote, secure);
        try {
            tail = tail.handleAsync((ignored, previousError) -> {
                WebResponse response;
                try {
                    response = handler.handle(request);
                } catch (Throwable t) { // a bug in a handler must still answer the client
                    log.error("{} request crashed: method={}, path={}", name, request.method(),
                            LogSafe.q(request.path()), t);
                    response = WebResponse.text(500, "internal error");
                }
                write(ctx, response, keepAlive);
                return null;
            }, workers);
        } catch (RejectedExecutionException e) {
            log.warn("{}: busy, request refused: path={}", name, LogSafe.q(request.path()));
            write(ctx, WebResponse.text(503, "busy, retry later").with("Retry-After", "1"), false);
        }
    }

    private void write(ChannelHandlerContext ctx, WebResponse r, boolean keepAlive) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
        if (r.contentType() != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        res.headers().set("X-Content-Type-Options", "nosniff");
        r.headers().forEach((k, v) -> res.headers().set(k, v));
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
            if (inFlight.get() == 0) {
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause.getCause() instanceof IOException) {
            log.debug("{} connection error: remote={}, cause={}", name, ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("{} connection error: remote={}", name, ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
