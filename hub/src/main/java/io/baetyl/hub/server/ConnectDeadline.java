package io.baetyl.hub.server;

import io.baetyl.hub.broker.Metrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that has not delivered a whole CONNECT packet within {@code connect.timeout} of being accepted,
 * however slowly its bytes trickle in (an idle timer would be reset by every byte and let a client hold an
 * unauthenticated connection open forever). Sits after the MQTT decoder, so TLS and WebSocket handshakes count against
 * the same deadline; it takes itself out of the pipeline when the CONNECT arrives.
 */
final class ConnectDeadline extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectDeadline.class);

    private final Duration timeout;
    private final Metrics metrics;
    private ScheduledFuture<?> timer;

    ConnectDeadline(Duration timeout, Metrics metrics) {
        this.timeout = timeout;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer == null) {
            timer = ctx.executor().schedule(() -> expire(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            metrics.connectTimeouts.increment();
            log.info("closing connection: remote={}, reason=no CONNECT within connect.timeout ({} ms)",
                    ctx.channel().remoteAddress(), timeout.toMillis());
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof MqttConnectMessage) {
            cancel();
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
