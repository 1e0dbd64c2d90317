package io.baetyl.hub.server;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Broker;
import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.config.Listener;
import io.baetyl.hub.exhook.ExHook;
import io.baetyl.sdk.config.ConfigException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The hub's listeners ({@code listen}): tcp, ssl, ws and wss, each with the same MQTT pipeline. */
public final class MqttServer {
    private static final Logger log = LoggerFactory.getLogger(MqttServer.class);
    private static final String WS_SUBPROTOCOLS = "mqtt,mqttv3.1,mqttv3.1.1";

    private final HubConfig config;
    private final Broker broker;
    private final Authenticator auth;
    private final EventLoopGroup workers;
    private final ByteCounter byteCounter;
    private final WebSocketFrames wsFrames = new WebSocketFrames();
    private final List<Channel> servers = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private final ChannelGroup connections = new DefaultChannelGroup("hub-connections", GlobalEventExecutor.INSTANCE);
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private ListenerTls tls;
    private final ExHook exhook;
    private final LoopPlacement placement;
    /** {@code -Dbaetyl.hub.readsPerEvent=N}: socket reads of one connection before its loop serves the others. */
    static final String READS_PROPERTY = "baetyl.hub.readsPerEvent";
    /**
     * One read (up to 64 KB) per connection and turn, where Netty reads up to 16: with connections filled onto one
     * loop ({@link LoopPlacement}), a client flooding 30 KB QoS 1 messages otherwise held the loop for 16 reads and
     * their log writes at a time, and a probe on the same loop waited up to 0.76 s on a busy machine instead of 0.1 s
     * (docs/PERFORMANCE.md, "A flooding client and its loop").
     */
    static final int DEFAULT_READS_PER_EVENT = 1;

    static int configuredReadsPerEvent() {
        int n = Integer.getInteger(READS_PROPERTY, DEFAULT_READS_PER_EVENT);
        if (n < 1) {
            throw new IllegalArgumentException("-D" + READS_PROPERTY + " must be 1 or more, got " + n);
        }
        return n;
    }

    private final int readsPerEvent = configuredReadsPerEvent();

    /**
     * {@code workers}: the I/O event loops, which also accept (a listening socket sits on one of them: the hub needs no
     * accept thread of its own, 0.35 MB of idle RSS); {@code placement}: the one {@code workers} was made with
     * ({@link Transport#group(int, java.util.concurrent.ThreadFactory, LoopPlacement)}).
     */
    public MqttServer(HubConfig config, Broker broker, Authenticator auth, EventLoopGroup workers, ExHook exhook,
                      LoopPlacement placement) {
        this.placement = placement;
        this.exhook = exhook;
        this.config = config;
        this.broker = broker;
        this.auth = auth;
        this.workers = workers;
        this.byteCounter = new ByteCounter(broker.metrics());
    }

    public void start() throws InterruptedException {
        for (String url : config.listen) {
            Listener l = Listener.parse(url);
            if (l.tls() && tls == null) {
                try {
                    tls = ListenerTls.check(config.certificate);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(e.getMessage(), e); // one line: key, host file, what it holds
                }
            }
            ServerBootstrap b = new ServerBootstrap()
                    .group(workers)
                    .channel(Transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 256 * 1024))
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR,
                            new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(readsPerEvent))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (!accepting.get()) {
                                ch.close();
                                return;
                            }
                            connections.add(ch);
                            placement.track(ch);
                            buildPipeline(ch.pipeline(), l);
                        }
                    });
            Channel c;
            try {
                c = b.bind(l.host(), l.port()).sync().channel();
            } catch (Exception e) {
                throw new IllegalStateException("cannot listen on " + url + ": " + e.getMessage(), e);
            }
            servers.add(c);
            bound.add((InetSocketAddress) c.localAddress());
            log.info("listening: url={}, address={}, transport={}, ioLoops={}, loopFill={}, readsPerEvent={}", url,
                    c.localAddress(), Transport.name(), loopCount(), placement.fill(), readsPerEvent);
        }
    }

    /**
     * The pipeline, in order: [PROXY header] [TLS] [HTTP + WebSocket + path guard] bytes → [keep-alive timer, added after CONNECT] →
     * MQTT decoder/encoder → CONNECT deadline (until the CONNECT) → connection.
     */
    void buildPipeline(ChannelPipeline p, Listener l) {
        if (l.proxyProtocol()) {
            // the PROXY header (v1 or v2) comes before anything else, TLS included
            p.addLast(PipelineNames.PROXY_DETECTOR, new ProxyProtocolDetector());
            p.addLast(PipelineNames.PROXY_DECODER, new HAProxyMessageDecoder());
            p.addLast(PipelineNames.PROXY_HEADER, new ProxyProtocolHandler());
        }
        if (l.tls()) {
            SslContext ssl = tls.ready();
            p.addLast(PipelineNames.SSL, ssl != null ? ssl.newHandler(p.channel().alloc()) : new TlsPending(tls));
        }
        int maxMessage = (int) config.message.length.max.bytes();
        if (l.websocket()) {
            p.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec());
            p.addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(65536));
            p.addLast(PipelineNames.WEBSOCKET, new WebSocketServerProtocolHandler(l.path(), WS_SUBPROTOCOLS, true,
                    Math.max(65536, maxMessage + 16)));
            p.addLast(PipelineNames.WS_PATH_GUARD, new WebSocketPathGuard(l.path()));
            p.addLast(PipelineNames.WS_FRAMES, wsFrames);
        }
        p.addLast(PipelineNames.BYTE_COUNTER, byteCounter);
        // message.length.max is the largest remaining length accepted; client ids up to 128 as baetyl-hub allows
        p.addLast(PipelineNames.DECODER, new MqttDecoder(maxMessage, 128));
        p.addLast(PipelineNames.ENCODER, MqttEncoder.INSTANCE);
        p.addLast(PipelineNames.CONNECT_DEADLINE, new ConnectDeadline(broker.limits().connectTimeout(), broker.metrics()));
        p.addLast(PipelineNames.CONNECTION, new MqttConnection(broker, auth, exhook));
    }

    public List<InetSocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    /** Stops accepting: closes the listening sockets and refuses sockets already accepted but not yet set up. */
    public void stopAccepting() {
        accepting.set(false);
        for (Channel c : servers) {
            c.close().syncUninterruptibly();
        }
    }

    /** Closes connections that never completed CONNECT (connected sessions are closed through the broker). */
    public void closeAll() {
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private int loopCount() {
        int n = 0;
        for (var ignored : workers) {
            n++;
        }
        return n;
    }

    public ChannelGroup connections() {
        return connections;
    }
}
