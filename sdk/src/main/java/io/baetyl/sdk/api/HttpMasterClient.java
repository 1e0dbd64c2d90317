package io.baetyl.sdk.api;

import io.baetyl.sdk.Env;
import io.baetyl.sdk.net.UnixSockets;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MasterClient} over HTTP/1.1 on Netty, for a master at {@code unix://path} (absolute, or relative to the
 * current directory as in native mode's {@code unix://var/run/baetyl.sock}) or {@code tcp://host:port}.
 *
 * <p>Each call opens a connection, sends one request and waits for the answer up to the timeout. Calls are rare
 * (reports, instance starts), and a fresh connection survives a master restart without any reconnect logic.
 */
public final class HttpMasterClient implements MasterClient {
    private static final Logger log = LoggerFactory.getLogger(HttpMasterClient.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

    private final String address;
    private final String username;
    private final String password;
    private final Duration timeout;
    private final String prefix;
    private final SocketAddress remote;
    private final String hostHeader;
    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;
    private final AtomicBoolean closed = new AtomicBoolean();

    public HttpMasterClient(String address, String username, String password) {
        this(address, username, password, DEFAULT_TIMEOUT, "v1");
    }

    /**
     * @param address    {@code unix://path} or {@code tcp://host:port} ({@code http://} is taken as tcp)
     * @param username   the service name sent as {@code x-openedge-username}; not sent when null or empty
     * @param password   the service token sent as {@code x-openedge-password}; not sent when null or empty
     * @param timeout    for one whole call: connect, request and response
     * @param apiVersion path prefix without slashes ({@code v1}); empty for the deprecated v0 paths
     */
    public HttpMasterClient(String address, String username, String password, Duration timeout, String apiVersion) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("master api address is empty");
        }
        this.address = address;
        this.username = username;
        this.password = password;
        this.timeout = timeout;
        String ver = apiVersion == null ? "" : apiVersion.strip();
        this.prefix = ver.isEmpty() ? "" : (ver.startsWith("/") ? ver : "/" + ver);
        if (address.startsWith("unix://")) {
            String path = address.substring("unix://".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("master api address has no socket path: " + address);
            }
            // Resolved once: a relative path means relative to where the module was started. Epoll where Netty's
            // native library loads, else the JDK's own unix-domain sockets (UnixSockets).
            UnixSockets.Transport transport = UnixSockets.transport();
            this.remote = UnixSockets.address(transport, Path.of(path).toAbsolutePath().normalize());
            this.hostHeader = "baetyl";
            this.group = UnixSockets.group(transport, 1, new DefaultThreadFactory("master-client", true));
            this.channelType = UnixSockets.clientChannel(transport);
        } else {
            URI uri;
            try {
                uri = URI.create(address);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid master api address: " + address, e);
            }
            if (!"tcp".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw new IllegalArgumentException("master api address must be unix:// or tcp://, got " + address);
            }
            if (uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException("master api address needs host:port, got " + address);
            }
            this.remote = InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort());
            this.hostHeader = uri.getHost() + ":" + uri.getPort();
            if (Epoll.isAvailable()) {
                this.group = new EpollEventLoopGroup(1, new DefaultThreadFactory("master-client", true));
                this.channelType = EpollSocketChannel.class;
            } else {
                this.group = new NioEventLoopGroup(1, new DefaultThreadFactory("master-client", true));
                this.channelType = NioSocketChannel.class;
            }
        }
    }

    /**
     * Builds a client from the environment the master gives each instance: {@code BAETYL_MASTER_API_ADDRESS}
     * (or {@code OPENEDGE_MASTER_API}), {@code BAETYL_SERVICE_NAME}/{@code BAETYL_SERVICE_TOKEN} (or the
     * {@code OPENEDGE_*} names) and {@code BAETYL_MASTER_API_VERSION} (default v1).
     *
     * @throws IllegalStateException when no master address is set
     */
    public static HttpMasterClient fromEnv() {
        return fromEnv(System.getenv());
    }

    /** {@link #fromEnv()} over a given environment map. */
    public static HttpMasterClient fromEnv(Map<String, String> env) {
        String address = first(env, Env.MASTER_API_ADDRESS, Env.OE_MASTER_API);
        if (address == null) {
            throw new IllegalStateException("env " + Env.MASTER_API_ADDRESS + " not set");
        }
        String version = first(env, Env.MASTER_API_VERSION, Env.OE_MASTER_API_VERSION);
        return new HttpMasterClient(address,
                first(env, Env.SERVICE_NAME, Env.OE_SERVICE_NAME),
                first(env, Env.SERVICE_TOKEN, Env.OE_SERVICE_TOKEN),
                DEFAULT_TIMEOUT, version == null ? "v1" : version);
    }

    /** True when the environment names a master to talk to. */
    public static boolean configured(Map<String, String> env) {
        return first(env, Env.MASTER_API_ADDRESS, Env.OE_MASTER_API) != null;
    }

    private static String first(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    public String address() {
        return address;
    }

    @Override
    public Map<String, Object> inspectSystem() {
        byte[] body = send(HttpMethod.GET, prefix + "/system/inspect", null);
        try {
            return PlainJson.readObject(body);
        } catch (IOException e) {
            throw new MasterApiException("invalid inspect response from master: " + e.getMessage(), e);
        }
    }

    @Override
    public void updateSystem(String trace, String type, String path) {
        Map<String, String> args = new LinkedHashMap<>();
        args.put("type", type);
        args.put("path", path);
        args.put("file", path); // masters older than 0.1.4 read "file"
        args.put("trace", trace);
        send(HttpMethod.PUT, prefix + "/system/update", toJson(args));
    }

    @Override
    public String getAvailablePort() {
        byte[] body = send(HttpMethod.GET, prefix + "/ports/available", null);
        try {
            Object port = PlainJson.readObject(body).get("port");
            if (port == null) {
                throw new MasterApiException("invalid response, port not found", null);
            }
            return String.valueOf(port);
        } catch (IOException e) {
            throw new MasterApiException("invalid port response from master: " + e.getMessage(), e);
        }
    }

    @Override
    public void reportInstance(String serviceName, String instanceName, Map<String, Object> stats) {
        send(HttpMethod.PUT, instancePath(serviceName, instanceName, "report"), toJson(stats));
    }

    @Override
    public void startInstance(String serviceName, String instanceName, Map<String, String> dynamicEnv) {
        send(HttpMethod.PUT, instancePath(serviceName, instanceName, "start"),
                toJson(dynamicEnv == null ? Map.of() : dynamicEnv));
    }

    @Override
    public void stopInstance(String serviceName, String instanceName) {
        send(HttpMethod.PUT, instancePath(serviceName, instanceName, "stop"), null);
    }

    private String instancePath(String service, String instance, String action) {
        return prefix + "/services/" + segment(service) + "/instances/" + segment(instance) + "/" + action;
    }

    /** Percent-encodes a path segment; Baetyl names are plain, but a stray space or slash must not change the route. */
    static String segment(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private byte[] toJson(Object value) {
        try {
            return PlainJson.write(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode request body: " + e.getMessage(), e);
        }
    }

    /**
     * Sends one request and returns the response body.
     *
     * @throws MasterApiException with the status and body for status ≥ 400, or with status 0 when the master cannot
     *                            be reached or does not answer in time
     */
    byte[] send(HttpMethod method, String path, byte[] body) {
        if (closed.get()) {
            throw new IllegalStateException("master client closed");
        }
        CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_RESPONSE_BYTES),
                                new ResponseHandler(answer));
                    }
                });
        long deadline = System.nanoTime() + timeout.toNanos();
        ChannelFuture connect = b.connect(remote);
        Channel ch = connect.channel();
        try {
            if (!connect.awaitUninterruptibly(timeout.toMillis())) {
                throw new MasterApiException("cannot connect to master at " + address + ": timed out after " + timeout,
                        null);
            }
            if (!connect.isSuccess()) {
                throw new MasterApiException("cannot connect to master at " + address + ": "
                        + connect.cause().getMessage(), connect.cause());
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                    body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
            req.headers().set(HttpHeaderNames.HOST, hostHeader);
            req.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            HttpUtil.setContentLength(req, body == null ? 0 : body.length);
            if (username != null && !username.isEmpty()) {
                req.headers().set(Env.HEADER_USERNAME, username);
            }
            if (password != null && !password.isEmpty()) {
                req.headers().set(Env.HEADER_PASSWORD, password);
            }
            ch.writeAndFlush(req).addListener(f -> {
                if (!f.isSuccess()) {
                    answer.completeExceptionally(f.cause());
                }
            });
            FullHttpResponse res = answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            try {
                byte[] bytes = ByteBufUtil.getBytes(res.content());
                int status = res.status().code();
                if (status >= 400) {
                    throw new MasterApiException(status, new String(bytes, StandardCharsets.UTF_8));
                }
                return bytes;
            } finally {
                res.release();
            }
        } catch (TimeoutException e) {
            throw new MasterApiException(method + " " + path + ": no answer from master at " + address + " within "
                    + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MasterApiException(method + " " + path + ": interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new MasterApiException(method + " " + path + ": " + cause.getMessage(), cause);
        } finally {
            answer.cancel(false); // a late response is then released by the handler instead of leaking
            ch.close();
        }
    }

    /** Frees the event loop. Safe to call more than once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            log.debug("master client closed: address={}", address);
        }
    }

    /** Completes the call's future with the first full response, or fails it when the connection ends first. */
    private static final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final CompletableFuture<FullHttpResponse> answer;

        ResponseHandler(CompletableFuture<FullHttpResponse> answer) {
            super(false); // the caller releases the response
            this.answer = answer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
            if (!answer.complete(msg)) {
                msg.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answer.completeExceptionally(new IOException("connection closed by master before a response"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answer.completeExceptionally(cause);
            ctx.close();
        }
    }
}
