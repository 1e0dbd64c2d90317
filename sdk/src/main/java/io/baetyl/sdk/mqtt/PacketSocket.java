package io.baetyl.sdk.mqtt;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Arrays;

/**
 * The plain TCP socket under Paho, changed in two ways that save system calls per MQTT packet:
 * <ul>
 *   <li>Reads are buffered. Paho reads a packet's fixed header byte by byte straight from the socket's stream (three to
 *   four read calls per PUBLISH); through a buffer one read call takes in many packets.</li>
 *   <li>What Paho writes is held until its flush, which it does after every packet. So {@link #writePackets} can put
 *   whole packets of its own between two of Paho's: a batch of PUBACKs goes out in one write (one TCP segment, one
 *   wake-up of the broker) instead of one write and flush per acknowledgement on Paho's sender thread.</li>
 * </ul>
 * Nothing else changes: Paho still owns the connection (connect, keepalive, close).
 */
final class PacketSocket extends Socket {
    /** Read buffer: a few hundred small PUBLISH packets. */
    private static final int READ_BUFFER = 16 * 1024;

    private InputStream in;
    private PacketOutput out;

    PacketSocket() {
    }

    PacketSocket(String host, int port) throws IOException {
        super(host, port);
    }

    PacketSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        super(host, port, localHost, localPort);
    }

    PacketSocket(InetAddress host, int port) throws IOException {
        super(host, port);
    }

    PacketSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        super(address, port, localAddress, localPort);
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new BufferedInputStream(super.getInputStream(), READ_BUFFER);
        }
        return in;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (out == null) {
            out = new PacketOutput(super.getOutputStream());
        }
        return out;
    }

    /** Writes {@code len} bytes of whole MQTT packets at once, between two of Paho's packets, and flushes them. */
    void writePackets(byte[] b, int off, int len) throws IOException {
        ((PacketOutput) getOutputStream()).writePackets(b, off, len);
    }

    /** Holds Paho's bytes until its flush; lets whole packets of others in between. */
    private final class PacketOutput extends OutputStream {
        /** Kept for reuse up to this size; a larger packet's buffer is let go after it is written. */
        private static final int KEEP = 64 * 1024;
        private final OutputStream socket;
        private byte[] buf = new byte[512];
        private int count;

        PacketOutput(OutputStream socket) {
            this.socket = socket;
        }

        @Override
        public synchronized void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        private void ensure(int more) {
            if (count + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            try {
                if (count > 0) {
                    socket.write(buf, 0, count);
                }
                socket.flush();
            } finally {
                count = 0;
                if (buf.length > KEEP) {
                    buf = new byte[512];
                }
                notifyAll(); // a writePackets waiting for the end of this packet
            }
        }

        synchronized void writePackets(byte[] b, int off, int len) throws IOException {
            // Paho is half-way through a packet: its flush follows at once (it flushes every packet it writes).
            while (count > 0) {
                if (isClosed()) {
                    throw new IOException("socket closed");
                }
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting to write");
                }
            }
            socket.write(b, off, len);
            socket.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
