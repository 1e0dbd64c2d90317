package io.baetyl.sdk.net;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport of the master API's Unix socket, for the server (master) and the client (every module). Netty's
 * native epoll where its library loads (packaged for linux x86_64 and aarch64), otherwise the JDK's own Unix-domain
 * socket channels (Java 16+) through Netty's NIO transport: an ARM board whose CPU or libc has no epoll library
 * still gets the default {@code unix://} API. {@code -Dbaetyl.unix.transport=nio} (or the environment variable
 * {@code BAETYL_UNIX_TRANSPORT=nio}, which a native-mode master passes on to its services) forces the JDK channels.
 */
public final class UnixSockets {
    private static final Logger log = LoggerFactory.getLogger(UnixSockets.class);
    /** {@code nio} forces the JDK's Unix-domain sockets even where epoll is available. */
    public static final String PROPERTY = "baetyl.unix.transport";
    /** The same as an environment variable. */
    public static final String ENV = "BAETYL_UNIX_TRANSPORT";
    private static final AtomicBoolean fallbackLogged = new AtomicBoolean();

    /** Which implementation carries the socket. */
    public enum Transport {
        EPOLL, NIO
    }

    private UnixSockets() {
    }

    /** Epoll when available and not overridden by {@link #PROPERTY}, else NIO. */
    public static Transport transport() {
        String forced = System.getProperty(PROPERTY, System.getenv().getOrDefault(ENV, ""));
        if ("nio".equalsIgnoreCase(forced.strip())) {
            return Transport.NIO;
        }
        if (Epoll.isAvailable()) {
            return Transport.EPOLL;
        }
        if (fallbackLogged.compareAndSet(false, true)) {
            log.info("unix sockets: Netty's native epoll is unavailable here ({}), using the JDK's own unix-domain "
                    + "sockets", Epoll.unavailabilityCause() == null ? "unknown" : Epoll.unavailabilityCause().toString());
        }
        return Transport.NIO;
    }

    public static EventLoopGroup group(Transport t, int threads, ThreadFactory factory) {
        return t == Transport.EPOLL ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    public static Class<? extends Channel> clientChannel(Transport t) {
        return t == Transport.EPOLL ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class;
    }

    public static Class<? extends ServerChannel> serverChannel(Transport t) {
        return t == Transport.EPOLL ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
    }

    /** The socket address of {@code path} for the transport (an absolute path is best: it is resolved once here). */
    public static SocketAddress address(Transport t, Path path) {
        return t == Transport.EPOLL ? new DomainSocketAddress(path.toString()) : UnixDomainSocketAddress.of(path);
    }
}
