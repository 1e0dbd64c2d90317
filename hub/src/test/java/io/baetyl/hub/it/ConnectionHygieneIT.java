package io.baetyl.hub.it;

import static io.baetyl.hub.it.RawClient.packet;
import static io.baetyl.hub.it.RawClient.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CONNECT deadline, the zero-length client id and WebSocket requests on the wrong path, over real sockets. */
@Timeout(60)
class ConnectionHygieneIT {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    @TempDir
    static Path dir;
    static TestHub hub;
    static int ws;

    @BeforeAll
    static void start() {
        HubConfig c = TestHub.config();
        ws = FreePorts.next();
        c.listen = List.of(c.listen.get(0), "ws://127.0.0.1:" + ws + "/mqtt");
        c.connect.timeout = CONNECT_TIMEOUT;
        hub = TestHub.start(c, dir);
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    private static long connectTimeouts() {
        return (Long) TestHub.metrics(hub).get("connect_timeouts");
    }

    @Test
    void aConnectTrickledInByteByByteIsClosedAtTheDeadlineFromAccept() {
        byte[] connect = RawClient.connectPacket("slow", 0);
        // one byte every timeout/4: an idle timer would never fire, and the packet would take 5 timeouts to arrive
        long gapMillis = CONNECT_TIMEOUT.toMillis() / 4;
        assertThat(connect.length * gapMillis).isGreaterThan(5 * CONNECT_TIMEOUT.toMillis());
        long before = connectTimeouts();
        try (var c = RawClient.connect(hub.port())) {
            long t0 = System.nanoTime();
            int sent = 0;
            while (sent < connect.length && c.isOpen()) {
                c.write(connect[sent++] & 0xFF);
                try {
                    Thread.sleep(gapMillis);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            Duration open = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(sent).as("bytes sent before the hub closed").isLessThan(connect.length);
            assertThat(open).as("closed at the deadline, not before").isGreaterThanOrEqualTo(CONNECT_TIMEOUT);
        }
        await().until(() -> connectTimeouts() == before + 1);
    }

    @Test
    void aSocketThatSendsNothingIsClosedAtTheDeadline() {
        try (var c = RawClient.connect(hub.port())) {
            long t0 = System.nanoTime();
            c.closed(CONNECT_TIMEOUT.multipliedBy(10));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(CONNECT_TIMEOUT.minusMillis(50));
        }
    }

    @Test
    void aCompleteConnectBeforeTheDeadlineIsServedPastIt() {
        try (var c = RawClient.connect(hub.port())) {
            c.write(RawClient.connectPacket("intime", 0)).read(RawClient.CONNACK_OK);
            c.silentFor(CONNECT_TIMEOUT.plusMillis(500));
            c.write(0xC0, 0x00).read(0xD0, 0x00);
        }
    }

    /** CONNECT u1/p1 with an empty client id; flags: username, password and clean session as given. */
    private static byte[] emptyIdConnect(boolean clean) {
        int flags = 0xC0 | (clean ? 0x02 : 0);
        return packet(0x10, str("MQTT"), new byte[] {4, (byte) flags, 0, 60}, str(""), str("u1"), str("p1"));
    }

    @Test
    void aZeroLengthClientIdWithCleanSession0IsRejectedWith0x02() {
        try (var c = RawClient.connect(hub.port())) {
            c.write(emptyIdConnect(false)).read(0x20, 0x02, 0x00, 0x02).closed();
        }
        try (var c = RawClient.connect(hub.port())) {
            c.write(emptyIdConnect(true)).read(RawClient.CONNACK_OK);
        }
    }

    private static String http(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", ws)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            // read to the end: the hub closes the connection after its answer
            in.transferTo(out);
            return out.toString(StandardCharsets.US_ASCII);
        }
    }

    private static String upgrade(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: mqtt\r\n\r\n";
    }

    @Test
    void aWebSocketUpgradeOnAnotherPathGets404ThenClose() throws Exception {
        assertThat(http(upgrade("/wrong"))).startsWith("HTTP/1.1 404 Not Found").contains("/mqtt");
        // the right path upgrades; with no CONNECT after it, the deadline closes that connection too
        assertThat(http(upgrade("/mqtt"))).startsWith("HTTP/1.1 101");
    }

    @Test
    void aPlainGetOnTheWebSocketPathGets400ThenClose() throws Exception {
        assertThat(http("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).startsWith("HTTP/1.1 400");
    }
}
