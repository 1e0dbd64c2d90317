package io.baetyl.hub.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.concurrent.ThreadFactory;

/** Netty's native epoll transport on Linux (fewer system calls per message), NIO elsewhere or when asked for. */
public final class Transport {
    /** {@code -Dbaetyl.hub.transport=nio} forces NIO even where epoll is available. */
    static final boolean EPOLL = !"nio".equals(System.getProperty("baetyl.hub.transport")) && Epoll.isAvailable();

    private Transport() {
    }

    public static EventLoopGroup group(int threads, ThreadFactory factory) {
        return EPOLL ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}
