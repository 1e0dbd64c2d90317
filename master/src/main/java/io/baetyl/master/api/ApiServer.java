package io.baetyl.master.api;

import io.baetyl.master.config.ServerConfig;
import io.baetyl.master.security.LogSafe;
import io.baetyl.sdk.net.UnixSockets;
import io.baetyl.sdk.tls.TlsFiles;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's REST API: HTTP/1.1 on a Unix domain socket ({@code unix:///var/run/baetyl.sock}, or a path relative
 * to the working dir) or on TCP ({@code tcp://127.0.0.1:50050}), with optional TLS. Routes and auth are in
 * {@link ApiRouter}; the work is done by {@link MasterApi}.
 *
 * <p>The socket file is made {@code 0660}: services of the same user (native mode) and root containers (docker
 * mode, where the socket is bind-mounted) can connect, other local users cannot, since every route is
 * token-protected but inspect still reveals the system layout.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /**
     * Largest request body: reports, dynamic instance variables and update requests are a few KB. A bigger body is
     * answered 413 without being read into memory.
     */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** sun_path in struct sockaddr_un is 108 bytes including the terminating NUL. */
    private static final int MAX_UNIX_PATH_BYTES = 107;

    private final ServerConfig cfg;
    private final Path workDir;
    private final MasterApi api;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private volatile EventLoopGroup group;
    private volatile ExecutorService workers;
    private volatile Channel serverChannel;
    private volatile Path socketPath;
    private volatile int port = -1;

    public ApiServer(ServerConfig cfg, Path workDir, MasterApi api) {
        this.cfg = cfg;
        this.workDir = workDir;
        this.api = api;
    }

    /**
     * Binds the listener. A stale socket file left by a crashed master is removed first, as Baetyl does.
     *
     * @throws IOException when the address cannot be bound or the TLS files cannot be read
     */
    public void start() throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("api server already started");
        }
        SslContext ssl = sslContext();
        // Master calls may block for seconds (starting a container); the pool grows with concurrent callers, who
        // are all authenticated local services, and shrinks when idle.
        workers = Executors.newCachedThreadPool(new DefaultThreadFactory("api-worker", true));
        ApiRouter router = new ApiRouter(api);
        String scheme = cfg.scheme();
        try {
            if ("unix".equals(scheme)) {
                bindUnix(router, ssl);
            } else {
                bindTcp(router, ssl);
            }
        } catch (IOException | RuntimeException e) {
            shutdownResources();
            throw e;
        }
    }

    private void bindUnix(ApiRouter router, SslContext ssl) throws IOException {
        Path path = workDir.resolve(cfg.unixPath()).toAbsolutePath().normalize();
        if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_UNIX_PATH_BYTES) {
            throw new IOException("server.address: unix socket path too long (max " + MAX_UNIX_PATH_BYTES
                    + " bytes): " + path);
        }
        if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
        }
        if (Files.isDirectory(path)) {
            throw new IOException("server.address: " + path + " is a directory");
        }
        if (Files.deleteIfExists(path)) {
            log.info("removed stale api socket: path={}", path);
        }
        // Netty's epoll where its native library loads, else the JDK's own unix-domain sockets (arm boards etc.)
        UnixSockets.Transport transport = UnixSockets.transport();
        group = UnixSockets.group(transport, 1, new DefaultThreadFactory("api-io", true));
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(UnixSockets.serverChannel(transport))
                .childHandler(initializer(router, ssl));
        serverChannel = bind(b, UnixSockets.address(transport, path));
        socketPath = path;
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("cannot set api socket permissions: path={}, error={}", path, e.toString());
        }
        log.info("api server listening: address={}, socket={}, tls={}, transport={}", LogSafe.q(cfg.address), path,
                ssl != null, transport.name().toLowerCase(java.util.Locale.ROOT));
    }

    private void bindTcp(ApiRouter router, SslContext ssl) throws IOException {
        URI uri = URI.create(cfg.address);
        ServerBootstrap b = new ServerBootstrap().childHandler(initializer(router, ssl))
                .childOption(ChannelOption.SO_KEEPALIVE, true);
        if (Epoll.isAvailable()) {
            group = new EpollEventLoopGroup(1, new DefaultThreadFactory("api-io", true));
            // Same 3-minute keep-alive probe period as Baetyl's tcpKeepAliveListener.
            b.group(group).channel(EpollServerSocketChannel.class)
                    .childOption(EpollChannelOption.TCP_KEEPIDLE, 180)
                    .childOption(EpollChannelOption.TCP_KEEPINTVL, 180);
        } else {
            group = new NioEventLoopGroup(1, new DefaultThreadFactory("api-io", true));
            b.group(group).channel(NioServerSocketChannel.class);
        }
        b.option(ChannelOption.SO_REUSEADDR, true);
        serverChannel = bind(b, new InetSocketAddress(uri.getHost(), uri.getPort()));
        port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.info("api server listening: address={}, port={}, tls={}", LogSafe.q(cfg.address), port, ssl != null);
    }

    private Channel bind(ServerBootstrap b, java.net.SocketAddress address) throws IOException {
        var future = b.bind(address).awaitUninterruptibly();
        if (!future.isSuccess()) {
            throw new IOException("cannot listen on " + cfg.address + ": " + future.cause().getMessage(),
                    future.cause());
        }
        return future.channel();
    }

    private ChannelInitializer<Channel> initializer(ApiRouter router, SslContext ssl) {
        long idleMillis = cfg.timeout.toMillis();
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                    p.addLast("tls", ssl.newHandler(ch.alloc()));
                }
                p.addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                p.addLast("http", new HttpServerCodec());
                p.addLast("aggregator", new BoundedAggregator(MAX_BODY_BYTES));
                p.addLast("api", new ApiChannelHandler(router, workers));
            }
        };
    }

    /** TLS when both cert and key are set; with a CA, client certificates are verified when a client sends one. */
    private SslContext sslContext() throws IOException {
        boolean hasCert = cfg.cert != null && !cfg.cert.isBlank();
        boolean hasKey = cfg.key != null && !cfg.key.isBlank();
        if (!hasCert && !hasKey) {
            return null;
        }
        if (!hasCert || !hasKey) {
            throw new IOException("server: cert and key must be set together");
        }
        // PKCS#1, PKCS#8, EC or encrypted keys; errors name server.key, the host file and what it holds
        TlsFiles files = new TlsFiles("server", abs(cfg.ca), abs(cfg.cert), abs(cfg.key), cfg.passphrase);
        try {
            TlsFiles.KeyPair pair = files.keyPair();
            SslContextBuilder b = SslContextBuilder.forServer(pair.key(), pair.chain());
            if (files.hasCa()) {
                // Go used tls.VerifyClientCertIfGiven: a client without a certificate still gets in (the token
                // headers authenticate it), one with a certificate must present a valid one.
                b.trustManager(files.trustedCas()).clientAuth(ClientAuth.OPTIONAL);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new IOException("server: cannot set up TLS (cert=" + cfg.cert + ", key=" + cfg.key
                    + ", ca=" + cfg.ca + "): " + e.getMessage(), e);
        }
    }

    private String abs(String p) {
        return p == null || p.isBlank() ? p : workDir.resolve(p).toString();
    }

    /** The bound TCP port (useful with {@code tcp://127.0.0.1:0}), or -1 for a unix socket or before start. */
    public int port() {
        return port;
    }

    /** The absolute socket file path for a unix address, else null. */
    public Path socketPath() {
        return socketPath;
    }

    /** Stops listening, closes open connections and removes the socket file. Safe to call more than once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        shutdownResources();
        log.info("api server closed: address={}", LogSafe.q(cfg.address));
    }

    private void shutdownResources() {
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        EventLoopGroup g = group;
        if (g != null) {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        ExecutorService w = workers;
        if (w != null) {
            // Running master calls finish on their own; their responses go nowhere once the channels are closed.
            w.shutdown();
        }
        Path sock = socketPath;
        if (sock != null) {
            try {
                Files.deleteIfExists(sock);
            } catch (IOException e) {
                log.warn("cannot remove api socket: path={}, error={}", sock, e.toString());
            }
        }
    }
}
