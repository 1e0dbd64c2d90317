package io.baetyl.sdk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.baetyl.sdk.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client against the JDK's own HTTP server (TCP) and a byte-level unix socket server. */
@Timeout(30)
class HttpMasterClientTest {
    record Seen(String method, String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private HttpServer http;
    private HttpMasterClient client;
    private volatile int status = 200;
    private volatile String answer = "";
    private volatile long delayMillis;

    @BeforeEach
    void startServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), Map.copyOf(ex.getRequestHeaders()),
                    body));
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        http.start();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        http.stop(0);
    }

    private String address() {
        return "tcp://127.0.0.1:" + http.getAddress().getPort();
    }

    @Test
    void callsSendV1PathsAuthHeadersAndJson() {
        client = new HttpMasterClient(address(), "function", "tok");

        client.startInstance("function", "function.sayhi.1", Map.of("K", "V"));
        client.stopInstance("function", "function.sayhi.1");
        client.reportInstance("function", "function", Map.of("stats", Map.of("n", 1)));
        client.updateSystem("tr", "APP", "var/db/baetyl/ota/app/V2");

        assertThat(seen).extracting(Seen::method).containsOnly("PUT");
        assertThat(seen).extracting(Seen::path).containsExactly(
                "/v1/services/function/instances/function.sayhi.1/start",
                "/v1/services/function/instances/function.sayhi.1/stop",
                "/v1/services/function/instances/function/report",
                "/v1/system/update");
        assertThat(seen).extracting(Seen::body).containsExactly("{\"K\":\"V\"}", "", "{\"stats\":{\"n\":1}}",
                "{\"type\":\"APP\",\"path\":\"var/db/baetyl/ota/app/V2\",\"file\":\"var/db/baetyl/ota/app/V2\","
                        + "\"trace\":\"tr\"}");
        Seen first = seen.get(0);
        assertThat(first.header("x-openedge-username")).isEqualTo("function");
        assertThat(first.header("x-openedge-password")).isEqualTo("tok");
        assertThat(first.header("Content-Type")).isEqualTo("application/json");
        assertThat(first.header("Host")).isEqualTo("127.0.0.1:" + http.getAddress().getPort());
    }

    @Test
    void inspectAndPortAreParsed() {
        client = new HttpMasterClient(address(), "a", "b");
        answer = "{\"time\":\"t\",\"services\":[{\"name\":\"hub\"}]}";
        assertThat(client.inspectSystem()).isEqualTo(Map.of("time", "t", "services", List.of(Map.of("name", "hub"))));

        answer = "{\"port\":\"50123\"}";
        assertThat(client.getAvailablePort()).isEqualTo("50123");
        assertThat(seen).extracting(Seen::method, Seen::path)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("GET", "/v1/system/inspect"),
                        org.assertj.core.groups.Tuple.tuple("GET", "/v1/ports/available"));
    }

    @Test
    void errorStatusBecomesMasterApiExceptionWithCodeAndBody() {
        client = new HttpMasterClient(address(), "a", "b");
        status = 401;
        answer = "account unauthorized\n";

        assertThatThrownBy(() -> client.stopInstance("s", "i")).isInstanceOfSatisfying(MasterApiException.class,
                e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage()).isEqualTo("[401] account unauthorized");
                });
    }

    @Test
    void slowMasterTimesOut() {
        client = new HttpMasterClient(address(), "a", "b", Duration.ofMillis(300), "v1");
        delayMillis = 5_000;

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.stopInstance("s", "i")).isInstanceOfSatisfying(MasterApiException.class,
                e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.getMessage()).contains("no answer");
                });
        // The client gave up on its own timeout, well before the master would have answered.
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(delayMillis);
    }

    @Test
    void noMasterIsStatusZero() {
        client = new HttpMasterClient("tcp://127.0.0.1:" + FreePorts.next(), "a", "b");

        assertThatThrownBy(client::getAvailablePort).isInstanceOfSatisfying(MasterApiException.class,
                e -> assertThat(e.status()).isZero());
    }

    @Test
    void v0PrefixAndNamesNeedingEscapes() {
        client = new HttpMasterClient(address(), null, null, Duration.ofSeconds(5), "");

        client.stopInstance("my svc", "a/b");

        assertThat(seen.get(0).path()).isEqualTo("/services/my%20svc/instances/a%2Fb/stop");
        assertThat(seen.get(0).header("x-openedge-username")).isNull();
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() {
        client = new HttpMasterClient(address(), "a", "b");
        client.close();

        assertThatCode(client::close).doesNotThrowAnyException();
        assertThatThrownBy(client::getAvailablePort).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void fromEnvPrefersBaetylNamesAndFallsBackToOpenEdge() {
        try (HttpMasterClient c = HttpMasterClient.fromEnv(Map.of("OPENEDGE_MASTER_API", address(),
                "OPENEDGE_SERVICE_NAME", "old", "OPENEDGE_SERVICE_TOKEN", "oldtok"))) {
            c.stopInstance("s", "i");
        }
        try (HttpMasterClient c = HttpMasterClient.fromEnv(Map.of("BAETYL_MASTER_API_ADDRESS", address(),
                "OPENEDGE_MASTER_API", "tcp://127.0.0.1:1", "BAETYL_SERVICE_NAME", "new",
                "BAETYL_SERVICE_TOKEN", "newtok"))) {
            c.stopInstance("s", "i");
        }

        assertThat(seen).extracting(s -> s.header("x-openedge-username")).containsExactly("old", "new");
        assertThat(seen).extracting(s -> s.header("x-openedge-password")).containsExactly("oldtok", "newtok");
        assertThat(HttpMasterClient.configured(Map.of())).isFalse();
        assertThatThrownBy(() -> HttpMasterClient.fromEnv(Map.of())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("BAETYL_MASTER_API_ADDRESS");
    }

    @Test
    void badAddressesAreRejected() {
        assertThatThrownBy(() -> new HttpMasterClient("udp://x:1", "a", "b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpMasterClient("tcp://nohost", "a", "b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpMasterClient("unix://", "a", "b"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unixSocketRelativeToTheCwdWithHostBaetyl(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("m.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            CompletableFuture<String> request = CompletableFuture.supplyAsync(() -> serveOnce(server,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"port\":\"4242\"}"));
            // Native-mode services get unix://var/run/baetyl.sock, relative to their working directory.
            Path relative = Path.of("").toAbsolutePath().relativize(sock);
            client = new HttpMasterClient("unix://" + relative, "svc", "tok");

            assertThat(client.getAvailablePort()).isEqualTo("4242");
            String head = request.get(10, TimeUnit.SECONDS);
            assertThat(head).startsWith("GET /v1/ports/available HTTP/1.1\r\n");
            assertThat(head.toLowerCase()).contains("host: baetyl\r\n").contains("x-openedge-username: svc\r\n");
        }
    }

    /** Accepts one connection, reads the request head, answers with the given bytes and closes. */
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
