package io.baetyl.bench;

import io.baetyl.bench.MqttWire.MalformedPacketException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One non-blocking MQTT connection of {@link RawManyToMany}: the channel, a bounded {@link MqttReader} for what comes
 * in, and one bounded buffer for what goes out, written as a whole (several packets per write). It tracks CONNECT
 * and SUBSCRIBE and fails on a refusal; PUBLISH and PUBACK go to the {@link Traffic} given. All calls come from the
 * one thread that runs the selector.
 */
final class RawConnection implements MqttReader.Handler, AutoCloseable {
    /** What the load does with the messages and acknowledgements of a connection. */
    interface Traffic {
        void publish(RawConnection c, int qos, int packetId, ByteBuffer buf, int topicOffset, int topicLength,
                int payloadOffset, int payloadLength) throws IOException;

        void puback(RawConnection c, int packetId) throws IOException;
    }

    final String name;
    /** The publisher's or subscriber's index in the run. */
    final int index;
    final ByteBuffer out;
    private final SocketChannel channel;
    private final MqttReader reader;
    private final Traffic traffic;
    private SelectionKey key;
    private boolean connected;
    private byte[] pendingSubscribe;
    private int subscribePacketId = -1;
    private boolean subscribed;

    RawConnection(String name, int index, InetSocketAddress broker, int readBytes, int writeBytes, Traffic traffic)
            throws IOException {
        this.name = name;
        this.index = index;
        this.traffic = traffic;
        reader = new MqttReader(readBytes);
        out = ByteBuffer.allocate(writeBytes);
        channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // as brokers do with set_tcp_nodelay
            channel.connect(broker);
            channel.configureBlocking(false);
        } catch (IOException e) {
            channel.close();
            throw new IOException(name + ": cannot connect to " + broker + ": " + e.getMessage(), e);
        }
    }

    void register(Selector selector) throws IOException {
        key = channel.register(selector, SelectionKey.OP_READ, this);
    }

    /** Queues CONNECT (and SUBSCRIBE once CONNACK came, when {@code subscribe} is not null). */
    void start(byte[] connect, byte[] subscribe, int subscribePacketId) {
        out.put(connect);
        pendingSubscribe = subscribe;
        this.subscribePacketId = subscribe == null ? -1 : subscribePacketId;
    }

    boolean subscriber() {
        return subscribePacketId >= 0;
    }

    /** Connected, and subscribed if it subscribes. */
    boolean ready() {
        return connected && (subscribePacketId < 0 || subscribed);
    }

    /**
     * Reads what the socket has and decodes it. A subscriber's PUBACKs go to {@link #out}, so while the broker has
     * not taken what is there, reading waits (see {@link #interest}).
     */
    void read() throws IOException {
        int n = channel.read(reader.buffer());
        if (n < 0) {
            throw new IOException(name + ": the broker closed the connection");
        }
        try {
            reader.drain(this);
        } catch (MalformedPacketException e) {
            throw new MalformedPacketException(name + ": " + e.getMessage());
        }
    }

    /** Writes what is queued (as much as the socket takes) and sets what the selector waits for. */
    void flush() throws IOException {
        if (out.position() > 0) {
            out.flip();
            channel.write(out);
            out.compact();
        }
        interest();
    }

    /**
     * A subscriber reads only while its out buffer has room for the PUBACKs of a full read buffer (a PUBACK is 4
     * bytes, the smallest QoS 1 PUBLISH 6); a publisher's reads queue nothing, so it always reads (the broker's
     * PUBACKs must not wait behind its PUBLISHes). Write while anything is queued.
     */
    private void interest() {
        boolean read = !subscriber() || out.remaining() >= reader.maxBytes();
        int ops = (out.position() > 0 ? SelectionKey.OP_WRITE : 0) | (read ? SelectionKey.OP_READ : 0);
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    @Override
    public void connack(boolean sessionPresent, int returnCode) throws IOException {
        if (returnCode != 0) {
            throw new IOException(name + ": CONNACK refused the connection, return code " + returnCode
                    + (returnCode == 4 || returnCode == 5 ? " (bad username/password or not authorized)" : ""));
        }
        if (connected) {
            throw new MalformedPacketException(name + ": a second CONNACK");
        }
        connected = true;
        if (pendingSubscribe != null) {
            out.put(pendingSubscribe);
            pendingSubscribe = null;
        }
    }

    @Override
    public void suback(int packetId, byte[] returnCodes) throws IOException {
        if (packetId != subscribePacketId || subscribed || returnCodes.length != 1) {
            throw new MalformedPacketException(name + ": unexpected SUBACK for packet id " + packetId);
        }
        if ((returnCodes[0] & 0xff) == 0x80) {
            throw new IOException(name + ": SUBACK 0x80, the broker refused the subscription");
        }
        subscribed = true;
    }

    @Override
    public void publish(int qos, boolean dup, int packetId, ByteBuffer buf, int topicOffset, int topicLength,
            int payloadOffset, int payloadLength) throws IOException {
        traffic.publish(this, qos, packetId, buf, topicOffset, topicLength, payloadOffset, payloadLength);
    }

    @Override
    public void puback(int packetId) throws IOException {
        traffic.puback(this, packetId);
    }

    @Override
    public void pingresp() {
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
