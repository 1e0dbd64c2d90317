package io.baetyl.hub.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.ProtocolDetectionState;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First on a {@code proxy_protocol=true} listener: a connection whose first bytes are no PROXY header (v1 "PROXY " or
 * the v2 signature) is closed at once with one WARN line, instead of waiting for a v1 line end that never comes.
 * Once a header is recognised it removes itself and Netty's decoder reads it.
 */
final class ProxyProtocolDetector extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolDetector.class);

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ProtocolDetectionResult<HAProxyProtocolVersion> r = HAProxyMessageDecoder.detectProtocol(in);
        if (r.state() == ProtocolDetectionState.NEEDS_MORE_DATA) {
            return;
        }
        if (r.state() == ProtocolDetectionState.INVALID) {
            log.warn("closing connection: remote={}, reason=invalid PROXY protocol header (the listener has "
                    + "proxy_protocol=true; connect through the proxy)", ctx.channel().remoteAddress());
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
    }
}
