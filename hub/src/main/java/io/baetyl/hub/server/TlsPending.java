package io.baetyl.hub.server;

import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands where the TLS handler goes while the listeners' TLS is set up ({@link ListenerTls}, once in the hub's life):
 * the connection's socket is not read meanwhile, so its first bytes (the TLS ClientHello, or a PROXY header before
 * it) wait in the kernel. Then the TLS handler takes its place and reading starts; if TLS cannot be set up, the
 * connection is closed. The event loop never waits for the set-up, so the loop's other connections are not held.
 */
final class TlsPending extends ChannelHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsPending.class);
    private final ListenerTls tls;

    TlsPending(ListenerTls tls) {
        this.tls = tls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ReadGate.of(ctx.channel()).pause(ReadGate.Reason.TLS_SETUP);
        // on the connection's own loop, after the registration that is adding this handler
        tls.context().whenComplete((ssl, error) -> ctx.executor().execute(() -> settled(ctx, ssl, error)));
    }

    private void settled(ChannelHandlerContext ctx, SslContext ssl, Throwable error) {
        if (ctx.isRemoved()) {
            return; // closed meanwhile
        }
        if (error != null) {
            log.debug("closing TLS connection {}: TLS is not set up", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        ctx.pipeline().replace(this, PipelineNames.SSL, ssl.newHandler(ctx.alloc()));
        ReadGate.of(ctx.channel()).resume(ReadGate.Reason.TLS_SETUP);
    }
}
