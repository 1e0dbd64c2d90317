package io.baetyl.hub.server;

import io.netty.channel.Channel;
import io.netty.channel.DefaultSelectStrategyFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ThreadPerTaskExecutor;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.ThreadFactory;

/** Netty's native epoll transport on Linux (fewer system calls per message), NIO elsewhere or when asked for. */
public final class Transport {
    /** {@code -Dbaetyl.hub.transport=nio} forces NIO even where epoll is available. */
    static final boolean EPOLL = !"nio".equals(System.getProperty("baetyl.hub.transport")) && Epoll.isAvailable();

    private Transport() {
    }

    /**
     * The number of I/O event loops by default: one per core this process may use. The JVM's count already honours
     * the cgroup CPU quota, the CPU affinity mask and {@code -XX:ActiveProcessorCount}, so a container limited to two
     * cores gets two loops (Netty's own default would be twice the cores). {@code -Dbaetyl.hub.eventLoops=N} overrides.
     */
    public static int defaultEventLoops() {
        Integer forced = Integer.getInteger("baetyl.hub.eventLoops");
        if (forced != null && forced > 0) {
            return forced;
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public static EventLoopGroup group(int threads, ThreadFactory factory) {
        return EPOLL ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    /** Like {@link #group(int, ThreadFactory)}, with {@code placement} choosing the loop of each new channel. */
    public static EventLoopGroup group(int threads, ThreadFactory factory, LoopPlacement placement) {
        ThreadPerTaskExecutor executor = new ThreadPerTaskExecutor(factory);
        return EPOLL
                ? new EpollEventLoopGroup(threads, executor, placement, DefaultSelectStrategyFactory.INSTANCE)
                : new NioEventLoopGroup(threads, executor, placement, SelectorProvider.provider(),
                        DefaultSelectStrategyFactory.INSTANCE);
    }

    static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The client socket channel for a {@link #group}: the hub's own outgoing connections (ExHook's gRPC) use it. */
    public static Class<? extends Channel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}
