package io.baetyl.bench;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The least the master does while idle, on the libraries DESIGN.md fixes for it, as a floor for its idle RSS (issue
 * 18): read the application config as YAML bound with Jackson, serve HTTP on a Unix socket with Netty's epoll
 * transport and codec, answer in JSON, log through logback. No supervisor, engine, console, metrics or OTA: whatever
 * this costs, the master costs at least as much. {@code bench/master-floor.sh} runs it beside an empty JVM with the
 * master's flags.
 *
 * <p>Usage: {@code MasterFloor APPLICATION_YML SOCKET HOLD_MS}, or {@code MasterFloor$Empty HOLD_MS} for a JVM
 * that only sleeps.
 */
public final class MasterFloor {
    private MasterFloor() {
    }

    /** The fields of a service the master reads everywhere; the rest of the config is skipped, not bound. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Service {
        public String name;
        public String image;
        public int replica;
        public Map<String, String> env;
        public List<String> args;
    }

    /** The application config's top level, as far as the floor needs it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Application {
        public String version;
        public List<Service> services;
    }

    /**
     * A JVM that only sleeps. A class of its own: verifying {@link MasterFloor#main} would load library classes from
     * the master's jar and open it, which the empty JVM must not.
     */
    public static final class Empty {
        private Empty() {
        }

        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(Long.parseLong(args[0]));
        }
    }

    public static void main(String[] args) throws Exception {
        Logger log = LoggerFactory.getLogger(MasterFloor.class);
        Application app = new ObjectMapper(new YAMLFactory()).readValue(Path.of(args[0]).toFile(), Application.class);
        log.info("read {} services from {}", app.services.size(), args[0]);
        ObjectMapper json = new ObjectMapper();
        Path socket = Path.of(args[1]);
        Files.deleteIfExists(socket);
        EventLoopGroup loop = new EpollEventLoopGroup(1);
        new ServerBootstrap().group(loop).channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new Answer(json, app, log));
                    }
                }).bind(new DomainSocketAddress(socket.toString())).sync();
        log.info("listening on {}", socket);
        Thread.sleep(Long.parseLong(args[2]));
        loop.shutdownGracefully().sync();
    }

    /** Answers every request with the config as JSON, as the master's inspect route answers with its state. */
    private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ObjectMapper json;
        private final Application app;
        private final Logger log;

        Answer(ObjectMapper json, Application app, Logger log) {
            this.json = json;
            this.app = app;
            this.log = log;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws Exception {
            byte[] body = json.writeValueAsBytes(app);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            ctx.writeAndFlush(response);
            log.info("{} {}", request.method(), request.uri());
        }
    }
}
