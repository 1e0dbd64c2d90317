package io.baetyl.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The least an MQTT broker on Netty can do per message, as a floor for the hub's latency (issue 14): the same epoll
 * transport and the same JVM flags as the hub, but no MQTT codec, no session, no topic matching and no log. It frames
 * packets by their remaining length, answers CONNECT and SUBSCRIBE, forwards every PUBLISH's bytes unchanged to every
 * subscriber (QoS 1: then PUBACKs the publisher) and ignores the rest. No login, no ACL: run it only on 127.0.0.1 for
 * {@code bench/broker-rtt.py}.
 *
 * <p>Usage: {@code NettyFloor PORT EVENT_LOOPS}
 */
public final class NettyFloor {
    private static final List<Channel> subscribers = new CopyOnWriteArrayList<>();

    private NettyFloor() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        EventLoopGroup loops = new EpollEventLoopGroup(Integer.parseInt(args[1]));
        new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Forwarder());
                        ch.closeFuture().addListener(f -> subscribers.remove(ch));
                    }
                })
                .bind("127.0.0.1", port).sync().channel().closeFuture().sync();
    }

    /** Frames MQTT packets and acts on each; one per connection. */
    private static final class Forwarder extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= 2) {
                int start = in.readerIndex();
                int first = in.getUnsignedByte(start);
                int length = 0;
                int shift = 0;
                int at = start + 1;
                int digit;
                do {
                    if (at >= in.writerIndex()) {
                        return; // the remaining length is not complete yet
                    }
                    digit = in.getUnsignedByte(at++);
                    length |= (digit & 127) << shift;
                    shift += 7;
                } while ((digit & 128) != 0 && shift < 28);
                int headerLength = at - start;
                if (in.readableBytes() < headerLength + length) {
                    return;
                }
                handle(ctx, first >> 4, (first >> 1) & 3, in.retainedSlice(start, headerLength + length), headerLength);
                in.skipBytes(headerLength + length);
            }
        }

        private static void handle(ChannelHandlerContext ctx, int type, int qos, ByteBuf packet, int headerLength) {
            switch (type) {
                case 1 -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0x20, 2, 0, 0})); // CONNACK accepted
                case 8 -> { // SUBSCRIBE: grant the first filter's QoS
                    int packetId = packet.getUnsignedShort(headerLength);
                    int topicLength = packet.getUnsignedShort(headerLength + 2);
                    int granted = packet.getUnsignedByte(headerLength + 4 + topicLength) & 3;
                    subscribers.add(ctx.channel());
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(
                            new byte[] {(byte) 0x90, 3, (byte) (packetId >> 8), (byte) packetId, (byte) granted}));
                }
                case 3 -> {
                    int packetId = qos > 0 ? packet.getUnsignedShort(headerLength + 2 + packet.getUnsignedShort(headerLength)) : 0;
                    for (Channel s : subscribers) {
                        s.writeAndFlush(packet.retainedDuplicate());
                    }
                    if (qos == 1) {
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0x40, 2, (byte) (packetId >> 8), (byte) packetId}));
                    }
                }
                default -> {
                    // PUBACK from a subscriber, PINGREQ, DISCONNECT: nothing to do for the floor
                }
            }
            packet.release();
        }
    }
}
