package io.baetyl.master.web;

import io.baetyl.master.config.WebAddress;
import io.baetyl.master.security.LogSafe;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server on a TCP address for the master's web endpoints (the console, {@code /metrics}). The
 * endpoints share one event-loop thread and one small worker pool ({@link Shared}), and use unpooled buffers: they
 * see a few requests a minute, and Netty's pooled allocator would reserve a 4 MB chunk per event loop. Bounded: a
 * request body over {@code maxBodyBytes} is refused (413), at most {@link #MAX_CONNECTIONS} connections are open at
 * once per endpoint (more are closed at accept), requests run on at most {@link #WORKERS} threads with
 * {@link #QUEUE} waiting (then 503), and idle connections close after {@link #IDLE_SECONDS}.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);
    static final int MAX_CONNECTIONS = 64;
    static final int WORKERS = 2;
    static final int QUEUE = 64;
    static final int IDLE_SECONDS = 120;

    private final String name;
    private final String key;
    private final WebAddress address;
    private final int maxBodyBytes;
    private final WebHandler handler;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger connections = new AtomicInteger();
    private final Shared shared;
    private Channel serverChannel;
    private int port = -1;

    /**
     * @param name what it is, for logs ({@code console}, {@code metrics})
     * @param key  the conf.yml key of the address, for errors ({@code console.address})
     */
    public WebServer(String name, String key, WebAddress address, int maxBodyBytes, WebHandler handler, Shared shared) {
        this.shared = shared;
        this.name = name;
        this.key = key;
        this.address = address;
        this.maxBodyBytes = maxBodyBytes;
        this.handler = handler;
    }

    /**
     * Binds the address, with TLS when {@code cert} and {@code key} are given (PEM files).
     *
     * @throws IOException naming the conf.yml key and the address when it cannot be bound (in use, not local)
     */
    public WebServer start(Path certFile, Path keyFile) throws IOException {
        SslContext ssl = null;
        if (certFile != null && keyFile != null) {
            try {
                ssl = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile()).build();
            } catch (IOException | RuntimeException e) {
                throw new IOException(name + ": cannot load TLS files (cert=" + certFile + ", key=" + keyFile + "): "
                        + e.getMessage(), e);
            }
        }
        ServerBootstrap b = new ServerBootstrap().childHandler(initializer(ssl))
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
                .group(shared.group)
                .channel(shared.group instanceof EpollEventLoopGroup ? EpollServerSocketChannel.class
                        : NioServerSocketChannel.class);
        var future = b.bind(new InetSocketAddress(address.host(), address.port())).awaitUninterruptibly();
        if (!future.isSuccess()) {
            close();
            Throwable cause = future.cause();
            String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            if (why.toLowerCase(java.util.Locale.ROOT).contains("address already in use")) {
                why = "the address is already in use (another program, or another baetyl, listens there)";
            }
            throw new IOException(key + ": cannot listen on tcp://" + address.host() + ":" + address.port() + ": "
                    + why, cause);
        }
        serverChannel = future.channel();
        port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.info("{} listening: address=tcp://{}:{}, tls={}", name, LogSafe.q(address.host()), port, ssl != null);
        if (!address.loopback() && ssl == null) {
            log.warn("{} listens on {} without TLS: anyone on that network can reach it and read what is sent",
                    name, LogSafe.q(address.host()));
        }
        return this;
    }

    private ChannelInitializer<Channel> initializer(SslContext ssl) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (connections.incrementAndGet() > MAX_CONNECTIONS) {
                    connections.decrementAndGet();
                    log.warn("{}: refusing a connection from {}: {} are open, the limit", name, ch.remoteAddress(),
                            MAX_CONNECTIONS);
                    ch.close();
                    return;
                }
                ch.closeFuture().addListener(f -> connections.decrementAndGet());
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                    p.addLast("tls", ssl.newHandler(ch.alloc()));
                }
                p.addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS));
                p.addLast("http", new HttpServerCodec(4096, 16 * 1024, 8192));
                p.addLast("aggregator", new TooLarge(maxBodyBytes));
                p.addLast("web", new WebChannelHandler(name, handler, shared.workers, ssl != null));
            }
        };
    }

    /** Netty's aggregator answers an oversized body with 413 and closes; this only logs it. */
    private final class TooLarge extends HttpObjectAggregator {
        TooLarge(int max) {
            super(max);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpMessage m)
                throws Exception {
            log.warn("{}: request refused, body over {} bytes: remote={}", name, maxBodyBytes,
                    ctx.channel().remoteAddress());
            super.handleOversizedMessage(ctx, m);
        }
    }

    /** The bound port (useful with port 0), or -1 before start. */
    public int port() {
        return port;
    }

    /** Stops listening and closes open connections. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (port > 0) {
            log.info("{} closed", name);
        }
    }

    /** Used by tests to see that nothing is left open. */
    int openConnections() {
        return connections.get();
    }

    /** The event-loop thread and worker pool the endpoints share; closed after every endpoint using them. */
    public static final class Shared implements AutoCloseable {
        final EventLoopGroup group;
        final ThreadPoolExecutor workers;

        public Shared() {
            DefaultThreadFactory io = new DefaultThreadFactory("web-io", true);
            group = Epoll.isAvailable() ? new EpollEventLoopGroup(1, io) : new NioEventLoopGroup(1, io);
            workers = new ThreadPoolExecutor(0, WORKERS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                    new DefaultThreadFactory("web-worker", true));
        }

        /** For light periodic work (the console's sampling), on the event-loop thread. */
        public java.util.concurrent.ScheduledExecutorService scheduler() {
            return group.next();
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            workers.shutdown();
        }
    }
}
