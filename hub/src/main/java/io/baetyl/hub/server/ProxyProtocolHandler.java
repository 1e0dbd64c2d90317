package io.baetyl.hub.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a {@code proxy_protocol=true} listener, after Netty's {@code HAProxyMessageDecoder} (v1 and v2): takes the
 * client's address from the PROXY header into {@link ClientAddress} and removes itself. A LOCAL command (the proxy's
 * own health check) or an UNKNOWN protocol keeps the socket's peer address. A connection without a valid header is
 * closed by the decoder with one log line here.
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HAProxyMessage h) {
            try {
                if (h.command() == HAProxyCommand.PROXY && h.proxiedProtocol() != HAProxyProxiedProtocol.UNKNOWN
                        && h.sourceAddress() != null) {
                    InetSocketAddress real = new InetSocketAddress(
                            java.net.InetAddress.getByName(h.sourceAddress()), h.sourcePort());
                    ctx.channel().attr(ClientAddress.PROXIED).set(real);
                    log.debug("proxied connection: proxy={}, client={}", ctx.channel().remoteAddress(), real);
                }
            } finally {
                h.release();
            }
            ctx.pipeline().remove(this);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("closing connection: remote={}, reason=invalid PROXY protocol header: {}", ctx.channel().remoteAddress(),
                cause.getMessage());
        ctx.close();
    }
}
