package io.baetyl.sdk.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.function.Consumer;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * Socket factories that turn Nagle's algorithm off. Paho never sets TCP_NODELAY, so a small packet written while
 * another is unacknowledged (a PUBACK after a PUBLISH) waits for the peer's delayed ACK: tens of milliseconds of
 * latency per hop on an otherwise idle loopback. Brokers (our hub, Mosquitto's {@code set_tcp_nodelay}) set it on
 * their side; these set it on ours.
 */
public final class NoDelaySockets {
    private NoDelaySockets() {
    }

    private static final Consumer<Socket> NONE = s -> { };

    /** Plain TCP (tcp://, ws://). */
    public static SocketFactory plain() {
        return plain(NONE);
    }

    /** Plain TCP; {@code created} sees every socket made (so that a hung connection attempt can be closed). */
    public static SocketFactory plain(Consumer<Socket> created) {
        return new Plain(created);
    }

    /** TLS (ssl://, wss://); Paho requires an SSLSocketFactory for these schemes. */
    public static SSLSocketFactory tls(SSLSocketFactory delegate) {
        return tls(delegate, NONE);
    }

    /** TLS; {@code created} sees every socket made. */
    public static SSLSocketFactory tls(SSLSocketFactory delegate, Consumer<Socket> created) {
        return new Tls(delegate, created);
    }

    /**
     * Plain TCP sockets are {@link PacketSocket}s: buffered reads, and room for {@link HubClient}'s batched
     * acknowledgements between Paho's packets.
     */
    private static final class Plain extends SocketFactory {
        private final Consumer<Socket> created;

        Plain(Consumer<Socket> created) {
            this.created = created;
        }

        private <S extends Socket> S noDelay(S s) throws IOException {
            s.setTcpNoDelay(true);
            created.accept(s);
            return s;
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(new PacketSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(new PacketSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(new PacketSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(new PacketSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return noDelay(new PacketSocket(address, port, localAddress, localPort));
        }
    }

    private static final class Tls extends SSLSocketFactory {
        private final SSLSocketFactory d;
        private final Consumer<Socket> created;

        Tls(SSLSocketFactory d, Consumer<Socket> created) {
            this.d = d;
            this.created = created;
        }

        private <S extends Socket> S noDelay(S s) throws IOException {
            s.setTcpNoDelay(true);
            created.accept(s);
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return d.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return d.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(d.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            s.setTcpNoDelay(true);
            return noDelay(d.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(d.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(d.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(d.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return noDelay(d.createSocket(address, port, localAddress, localPort));
        }
    }
}
