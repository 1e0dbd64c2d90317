package io.baetyl.hub.it;

import static io.baetyl.hub.it.RawClient.packet;
import static io.baetyl.hub.it.RawClient.str;
import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.hub.config.HubConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An MQTT 5 client that the hub disconnects for what it sends, while it is still sending, reads the DISCONNECT and
 * its reason instead of a connection reset (the Paho MQTT 5 suite's test_flow_control2 does this with 1,025 QoS 2
 * publishes and PUBRELs sent as it reads).
 */
@Timeout(60)
class DisconnectLingerIT {
    static final int RECEIVE_MAXIMUM = 3;
    @TempDir
    static Path dir;
    static TestHub hub;

    @BeforeAll
    static void start() {
        HubConfig c = TestHub.config();
        c.message.ingress.inflight.max = RECEIVE_MAXIMUM;
        hub = TestHub.start(c, dir);
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    @Test
    void aClientStillSendingAfterReceiveMaximumIsExceededReadsDisconnect0x93ThenEndOfStream() {
        try (var c = RawClient.connect(hub.port())) {
            c.readTimeout(Duration.ofSeconds(20));
            c.write(packet(0x10, str("MQTT"), new byte[] {5, (byte) 0xC2, 0, 60, 0}, str("linger"), str("u1"),
                    str("p1")));
            byte[] connack = c.readPacket();
            assertThat(connack[0] & 0xFF).isEqualTo(0x20);
            assertThat(connack[3]).as("CONNACK reason").isEqualTo((byte) 0);

            // one QoS 2 publish more than the receive maximum, none released, and then a stream of PINGREQs behind it:
            // far more than the hub reads in one go, so unread bytes are in its socket when it decides to disconnect
            // (a hub that closed then would reset the connection under this very write)
            for (int pid = 1; pid <= RECEIVE_MAXIMUM + 1; pid++) {
                c.write(packet(0x34, str("linger/t"), new byte[] {0, (byte) pid, 0}, new byte[] {'x'}));
            }
            byte[] pings = new byte[16 * 1024 * 1024];
            for (int i = 0; i < pings.length; i += 2) {
                pings[i] = (byte) 0xC0;
            }
            assertThat(c.tryWrite(pings)).as("16 MB written after the DISCONNECT-causing publish, without a reset")
                    .isTrue();

            // the PUBRECs of the first publishes (those the hub answered before it disconnected), then the DISCONNECT
            byte[] p = c.readPacket();
            for (int n = 0; (p[0] & 0xFF) == 0x50 && n < RECEIVE_MAXIMUM; n++) {
                p = c.readPacket();
            }
            assertThat(p[0] & 0xFF).as("DISCONNECT: %s", Arrays.toString(p)).isEqualTo(0xE0);
            assertThat(p[2] & 0xFF).as("reason code").isEqualTo(0x93);
            // no PINGRESP for the pings behind the offending publish: they were dropped unread, then end of stream
            c.closed(Duration.ofSeconds(20));
        }
    }
}
