package io.baetyl.master.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Byte-level HTTP/1.1 client over a unix socket or TCP, for requests the real client never sends. */
final class RawHttp {
    record Response(int status, String headers, String body) {
    }

    private RawHttp() {
    }

    static Response unix(Path socket, String request) throws IOException {
        return exchange(UnixDomainSocketAddress.of(socket), request);
    }

    static Response tcp(int port, String request) throws IOException {
        return exchange(new InetSocketAddress("127.0.0.1", port), request);
    }

    /** Builds a request with the auth headers, Connection: close and a Content-Length when there is a body. */
    static String request(String method, String path, String user, String token, String body) {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: baetyl\r\nConnection: close\r\n");
        if (user != null) {
            sb.append("x-openedge-username: ").append(user).append("\r\n");
        }
        if (token != null) {
            sb.append("x-openedge-password: ").append(token).append("\r\n");
        }
        if (body != null) {
            sb.append("Content-Type: application/json\r\nContent-Length: ")
                    .append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        }
        sb.append("\r\n");
        if (body != null) {
            sb.append(body);
        }
        return sb.toString();
    }

    private static Response exchange(SocketAddress address, String request) throws IOException {
        try (SocketChannel ch = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open()) {
            ch.connect(address);
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) >= 0) { // the server closes after answering (Connection: close)
                buf.flip();
                out.write(buf.array(), 0, buf.limit());
                buf.clear();
            }
            String text = out.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = text.substring(0, split);
            int status = Integer.parseInt(head.split(" ")[1]);
            return new Response(status, head, text.substring(split + 4));
        }
    }
}
