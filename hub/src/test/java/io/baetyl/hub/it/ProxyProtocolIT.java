package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.exhook.ExHookConfig;
import io.baetyl.sdk.testing.FreePorts;
import io.emqx.exhook.ClientConnectRequest;
import io.emqx.exhook.MessagePublishRequest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub behind Debian's HAProxy (started and stopped by PID, random ports): a {@code proxy_protocol=true} listener
 * takes the client's address from PROXY protocol v1 ({@code send-proxy}) and v2 ({@code send-proxy-v2}). The client
 * connects from 127.0.0.2, HAProxy from 127.0.0.1: ExHook's {@code peerhost} must say 127.0.0.2.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyProtocolIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** Sockets bound to 127.0.0.2, so the client's address differs from HAProxy's. */
    static final class FromSecondLoopback extends SocketFactory {
        @Override
        public Socket createSocket() throws IOException {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            return s;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(new InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return createSocket(host.getHostAddress(), port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return createSocket(address.getHostAddress(), port);
        }
    }

    @Test
    void realClientAddressThroughHaproxyV1AndV2() throws Exception {
        int hubPort = FreePorts.next();
        int v1 = FreePorts.next();
        int v2 = FreePorts.next();
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, """
                global
                    maxconn 100
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 60s
                    timeout server 60s
                frontend v1
                    bind 127.0.0.1:%d
                    default_backend hub_v1
                backend hub_v1
                    server hub 127.0.0.1:%d send-proxy
                frontend v2
                    bind 127.0.0.1:%d
                    default_backend hub_v2
                backend hub_v2
                    server hub 127.0.0.1:%d send-proxy-v2
                """.formatted(v1, hubPort, v2, hubPort));
        try (FakeHookProvider hook = new FakeHookProvider(FreePorts.next(),
                Map.of("client.connect", List.of(), "message.publish", List.of()))) {
            HubConfig c = TestHub.config();
            c.listen = new ArrayList<>(List.of("tcp://127.0.0.1:" + hubPort + "?proxy_protocol=true"));
            ExHookConfig.Server s = ExHookIT.server("h", hook.port, "ignore", "5s", "60s");
            c.exhook.servers = new ArrayList<>(List.of(s));
            Process haproxy = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.toFile(), "haproxy.out"))).start();
            try (TestHub h = TestHub.start(c, null)) {
                await("haproxy listening").atMost(WAIT).until(() -> {
                    if (!haproxy.isAlive()) {
                        throw new IllegalStateException("haproxy exited: " + Files.readString(dir.resolve("haproxy.out")));
                    }
                    return listening(v1) && listening(v2);
                });
                for (int port : List.of(v1, v2)) {
                    String id = "via-" + (port == v1 ? "v1" : "v2");
                    try (TestHub.Client cl = TestHub.client("tcp://127.0.0.1:" + port, id, "u1", "p1", true, 60)) {
                        cl.options.setSocketFactory(new FromSecondLoopback());
                        cl.connect();
                        cl.publish("t/" + id, "hello", 1, false);
                    }
                    await().atMost(WAIT).until(() -> hook.requests("client.connect").stream()
                            .anyMatch(r -> ((ClientConnectRequest) r).getConninfo().getClientid().equals(id)));
                    ClientConnectRequest r = hook.requests("client.connect").stream().map(ClientConnectRequest.class::cast)
                            .filter(x -> x.getConninfo().getClientid().equals(id)).findFirst().orElseThrow();
                    assertThat(r.getConninfo().getPeerhost()).as(id).isEqualTo("127.0.0.2");
                    assertThat(r.getConninfo().getSockport()).as(id).isEqualTo(hubPort);
                    await().atMost(WAIT).until(() -> hook.published().contains("t/" + id));
                    MessagePublishRequest m = hook.requests("message.publish").stream().map(MessagePublishRequest.class::cast)
                            .filter(x -> x.getMessage().getTopic().equals("t/" + id)).findFirst().orElseThrow();
                    assertThat(m.getMessage().getHeadersMap()).containsEntry("peerhost", "127.0.0.2");
                }
                // without a PROXY header the listener closes the connection; the hub keeps serving
                try (Socket raw = new Socket("127.0.0.1", hubPort)) {
                    raw.setSoTimeout(10_000);
                    raw.getOutputStream().write(new byte[] {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00});
                    InputStream in = raw.getInputStream();
                    assertThat(in.read()).isEqualTo(-1);
                }
                try (TestHub.Client again = TestHub.client("tcp://127.0.0.1:" + v2, "again", "u1", "p1", true, 60)) {
                    again.connect();
                    assertThat(again.paho.isConnected()).isTrue();
                }
            } finally {
                haproxy.destroy();
                if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
                    haproxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
