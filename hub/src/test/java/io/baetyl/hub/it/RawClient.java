package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A byte-level MQTT client for malformed-input tests: write exactly these bytes, expect exactly those back. */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    private RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
    }

    static RawClient connect(int port) {
        try {
            return new RawClient(port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How long a read waits for the hub (5 s unless set). */
    RawClient readTimeout(Duration d) {
        try {
            socket.setSoTimeout((int) d.toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    RawClient write(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return write(b);
    }

    RawClient write(byte[] b) {
        try {
            socket.getOutputStream().write(b);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // the hub may already have closed; a later read shows it
        }
        return this;
    }

    /** Writes these bytes; false if the connection failed on the way (a reset or a broken pipe). */
    boolean tryWrite(byte[] b) {
        try {
            socket.getOutputStream().write(b);
            socket.getOutputStream().flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Expects exactly these bytes next. */
    RawClient read(int... expected) {
        byte[] got = new byte[expected.length];
        try {
            int n = 0;
            while (n < got.length) {
                int r = in.read(got, n, got.length - n);
                if (r < 0) {
                    throw new AssertionError("connection closed after " + n + " of " + expected.length + " bytes");
                }
                n += r;
            }
        } catch (IOException e) {
            throw new AssertionError("read failed: " + e);
        }
        int[] g = new int[got.length];
        for (int i = 0; i < got.length; i++) {
            g[i] = got[i] & 0xFF;
        }
        assertThat(g).as("bytes from hub").containsExactly(expected);
        return this;
    }

    /** Reads one whole packet and returns its bytes. */
    byte[] readPacket() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int h = in.read();
            if (h < 0) {
                throw new AssertionError("connection closed");
            }
            out.write(h);
            int len = 0;
            int mul = 1;
            int b;
            do {
                b = in.read();
                out.write(b);
                len += (b & 0x7F) * mul;
                mul *= 128;
            } while ((b & 0x80) != 0);
            out.write(in.readNBytes(len));
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError("read failed: " + e);
        }
    }

    /** True while the hub has not closed the connection (and has sent nothing); waits a millisecond to find out. */
    boolean isOpen() {
        try {
            socket.setSoTimeout(1);
            return in.read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Expects the hub to close the connection within {@code within}, without sending anything else. */
    RawClient closed(Duration within) {
        try {
            socket.setSoTimeout((int) within.toMillis());
            int r = in.read();
            assertThat(r).as("expected close, got a byte").isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after " + within);
        } catch (IOException e) {
            // reset by peer counts as closed
        }
        return this;
    }

    RawClient closed() {
        return closed(Duration.ofSeconds(5));
    }

    /** Expects the connection to stay open (no bytes, no close) for {@code d}. */
    RawClient silentFor(Duration d) {
        try {
            socket.setSoTimeout((int) d.toMillis());
            int r = in.read();
            throw new AssertionError("expected silence, got " + r);
        } catch (SocketTimeoutException expected) {
            return this;
        } catch (IOException e) {
            throw new AssertionError("connection failed: " + e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    // ---- packet builders ----

    static byte[] str(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] bytes(byte[] b) {
        byte[] out = new byte[b.length + 2];
        out[0] = (byte) (b.length >> 8);
        out[1] = (byte) b.length;
        System.arraycopy(b, 0, out, 2, b.length);
        return out;
    }

    static byte[] packet(int header, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        int len = body.size();
        do {
            int d = len % 128;
            len /= 128;
            out.write(len > 0 ? d | 0x80 : d);
        } while (len > 0);
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** CONNECT as u1/p1 with the given protocol name and level. */
    static byte[] connectPacket(String protocol, int level, String clientId, int keepAlive) {
        return packet(0x10, str(protocol), new byte[] {(byte) level, (byte) 0xC2, (byte) (keepAlive >> 8), (byte) keepAlive},
                str(clientId), str("u1"), str("p1"));
    }

    static byte[] connectPacket(String clientId, int keepAlive) {
        return connectPacket("MQTT", 4, clientId, keepAlive);
    }

    static final int[] CONNACK_OK = {0x20, 0x02, 0x00, 0x00};

    static byte[] subscribePacket(int pid, String filter, int qos) {
        return packet(0x82, new byte[] {(byte) (pid >> 8), (byte) pid}, str(filter), new byte[] {(byte) qos});
    }

    static byte[] publishPacket(int flags, String topic, int pid, String payload) {
        byte[] id = ((flags >> 1) & 3) > 0 ? new byte[] {(byte) (pid >> 8), (byte) pid} : new byte[0];
        return packet(0x30 | flags, str(topic), id, payload.getBytes(StandardCharsets.UTF_8));
    }
}
