package io.baetyl.sdk.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.sdk.api.HttpMasterClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/** The master client over a unix socket on the JDK's own channels, as on a board where Netty's epoll does not load. */
@Timeout(30)
class UnixSocketsTest {
    @AfterEach
    void clear() {
        System.clearProperty(UnixSockets.PROPERTY);
    }

    @Test
    void theForcedFallbackCarriesTheMasterClient(@TempDir Path dir) throws Exception {
        System.setProperty(UnixSockets.PROPERTY, "nio");
        assertThat(UnixSockets.transport()).isEqualTo(UnixSockets.Transport.NIO);
        Path sock = dir.resolve("baetyl.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            CompletableFuture<String> request = CompletableFuture.supplyAsync(() -> serveOnce(server,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"port\":\"4242\"}"));
            try (HttpMasterClient client = new HttpMasterClient("unix://" + sock, "svc", "tok")) {
                assertThat(client.getAvailablePort()).isEqualTo("4242");
            }
            assertThat(request.get(10, TimeUnit.SECONDS)).startsWith("GET /v1/ports/available HTTP/1.1\r\n");
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64|aarch64")
    void withoutTheOverrideAnX8664OrArm64LinuxUsesEpoll() {
        assertThat(UnixSockets.transport()).isEqualTo(UnixSockets.Transport.EPOLL);
    }

    @Test
    void theAarch64EpollLibraryIsOnTheClasspath() throws Exception {
        // what the shaded module jars copy in: the native library for arm64 next to the x86_64 one
        String cp = System.getProperty("java.class.path");
        String jar = java.util.Arrays.stream(cp.split(java.io.File.pathSeparator))
                .filter(p -> p.contains("netty-transport-native-epoll") && p.contains("aarch_64")).findFirst()
                .orElseThrow(() -> new AssertionError("no linux-aarch_64 epoll jar on " + cp));
        try (ZipFile z = new ZipFile(jar)) {
            assertThat(z.getEntry("META-INF/native/libnetty_transport_native_epoll_aarch_64.so")).isNotNull();
        }
    }

    private static String serveOnce(ServerSocketChannel server, String response) {
        try (SocketChannel ch = server.accept()) {
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (!in.toString(StandardCharsets.UTF_8).contains("\r\n\r\n") && ch.read(buf) >= 0) {
                buf.flip();
                in.write(buf.array(), 0, buf.limit());
                buf.clear();
            }
            ch.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
            return in.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
