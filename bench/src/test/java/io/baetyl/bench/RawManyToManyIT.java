package io.baetyl.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.testing.FreePorts;
import io.baetyl.sdk.testing.Mosquitto;
import io.baetyl.bench.MqttWire.MalformedPacketException;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The raw many-to-many generator against a real Mosquitto: 4 publishers x 1,000 -> 2 subscribers, everything arrives
 * once; a refused CONNECT, a refused SUBSCRIBE, a malformed packet and a broker that is not there end the run with
 * an error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RawManyToManyIT {
    @TempDir
    static Path dir;
    static Mosquitto broker;

    @BeforeAll
    static void start() throws Exception {
        // as bench/hub-many-to-many.sh runs it; with the default max_inflight_messages (20) Mosquitto 2.0.11 dropped
        // QoS 1 messages for the subscribers ("Outgoing messages are being dropped") at 400 queued, under its
        // max_queued_messages of 1,000
        broker = new Mosquitto(dir.resolve("broker"),
                "allow_anonymous true\nset_tcp_nodelay true\nmax_inflight_messages 0\n").start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static Bench bench(int port, String... kv) {
        Map<String, String> opts = new HashMap<>();
        opts.put("port", Integer.toString(port));
        opts.put("timeout", "40");
        for (int i = 0; i < kv.length; i += 2) {
            opts.put(kv[i], kv[i + 1]);
        }
        return new Bench(opts);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void everyMessageArrivesOnceAtEverySubscriber(int qos) throws Exception {
        Bench b = bench(broker.port(), "qos", Integer.toString(qos), "publishers", "4", "subscribers", "2",
                "count", "1000", "window", "100");

        RawManyToMany.Result r = new RawManyToMany(b).runLoad();

        assertThat(r.sent()).isEqualTo(4000);
        assertThat(r.delivered()).isEqualTo(8000);
        assertThat(r.duplicates()).isZero();
    }

    @Test
    void aRefusedSubscriptionEndsTheRun() throws Exception {
        // Mosquitto 2.0.11 grants a subscription its ACL denies (and then delivers nothing), so a broker of two
        // packets answers: CONNACK accepted, SUBACK 0x80
        try (FakeBroker fake = new FakeBroker(new byte[] {0x20, 2, 0, 0}, new byte[] {(byte) 0x90, 3, 0, 1, (byte) 0x80})) {
            Bench b = bench(fake.port(), "publishers", "0", "subscribers", "1", "count", "10");
            assertThatThrownBy(() -> new RawManyToMany(b).runLoad()).isInstanceOf(IOException.class)
                    .hasMessageContaining("subscriber 0: SUBACK 0x80");
        }
    }

    @Test
    void aMalformedPacketEndsTheRun() throws Exception {
        // a CONNACK with a remaining length of 3
        try (FakeBroker fake = new FakeBroker(new byte[] {0x20, 3, 0, 0, 0})) {
            Bench b = bench(fake.port(), "publishers", "0", "subscribers", "1", "count", "10");
            assertThatThrownBy(() -> new RawManyToMany(b).runLoad()).isInstanceOf(MalformedPacketException.class)
                    .hasMessageContaining("subscriber 0: CONNACK of 3 bytes");
        }
    }

    /** Accepts one connection and answers each packet it reads with the next of {@code replies}. */
    static final class FakeBroker implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final Thread thread;

        FakeBroker(byte[]... replies) throws IOException {
            thread = new Thread(() -> {
                try (Socket s = server.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    for (byte[] reply : replies) {
                        in.readUnsignedByte();
                        int len = in.readUnsignedByte(); // our CONNECT and SUBSCRIBE are under 128 bytes
                        in.readFully(new byte[len]);
                        s.getOutputStream().write(reply);
                    }
                    in.read(); // until the client closes
                } catch (IOException e) {
                    // the client closed: what the test expects
                }
            }, "fake-broker");
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(5000);
        }
    }

    @Test
    void aRefusedConnectEndsTheRun() throws Exception {
        Path passwords = dir.resolve("passwd");
        Files.writeString(passwords, "");
        try (Mosquitto closed = new Mosquitto(dir.resolve("closed"),
                "allow_anonymous false\npassword_file " + passwords + "\n")) {
            closed.start();
            Bench b = bench(closed.port(), "publishers", "1", "subscribers", "1", "count", "10",
                    "username", "nobody", "password", "wrong");
            assertThatThrownBy(() -> new RawManyToMany(b).runLoad()).isInstanceOf(IOException.class)
                    .hasMessageContaining("CONNACK refused the connection, return code 5");
        }
    }

    @Test
    void noBrokerIsASocketError() {
        Bench b = bench(FreePorts.next(), "publishers", "1", "subscribers", "1", "count", "10");
        assertThatThrownBy(() -> new RawManyToMany(b).runLoad()).isInstanceOf(IOException.class)
                .hasMessageContaining("subscriber 0: cannot connect");
    }

    @Test
    void qos2IsRefusedWithAClearMessage() {
        Bench b = bench(broker.port(), "qos", "2");
        assertThatThrownBy(() -> new RawManyToMany(b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use --client paho for QoS 2");
    }
}
