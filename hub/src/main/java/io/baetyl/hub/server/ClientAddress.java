package io.baetyl.hub.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.SocketAddress;

/**
 * The client's address: the socket's peer, or, on a listener with {@code proxy_protocol=true}, the source address
 * the proxy (HAProxy) announced in its PROXY protocol header. Logs, ExHook's {@code peerhost} and every address-based
 * decision read it here.
 */
public final class ClientAddress {
    static final AttributeKey<SocketAddress> PROXIED = AttributeKey.valueOf("baetyl.clientAddress");

    private ClientAddress() {
    }

    public static SocketAddress of(Channel ch) {
        if (ch == null) {
            return null;
        }
        SocketAddress a = ch.attr(PROXIED).get();
        return a != null ? a : ch.remoteAddress();
    }

    /** For log lines: {@code /host:port}, or {@code ?}. */
    public static String text(Channel ch) {
        SocketAddress a = of(ch);
        return a == null ? "?" : a.toString();
    }
}
