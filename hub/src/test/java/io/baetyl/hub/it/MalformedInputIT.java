package io.baetyl.hub.it;

import static io.baetyl.hub.it.RawClient.CONNACK_OK;
import static io.baetyl.hub.it.RawClient.connectPacket;
import static io.baetyl.hub.it.RawClient.packet;
import static io.baetyl.hub.it.RawClient.publishPacket;
import static io.baetyl.hub.it.RawClient.str;
import static io.baetyl.hub.it.RawClient.subscribePacket;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.config.ByteSize;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Malformed and out-of-order packets: each closes only its own connection; a bystander keeps working. */
@Timeout(20)
class MalformedInputIT {
    @TempDir
    static Path dir;
    static TestHub hub;
    static TestHub.Client bystander;
    static int round;

    @BeforeAll
    static void startHub() throws Exception {
        HubConfig c = TestHub.config();
        c.message.length.max = ByteSize.ofBytes(1024);
        c.message.egress.qos1.retry.interval = Duration.ofMillis(500);
        hub = TestHub.start(c, dir);
        bystander = hub.client("bystander", "u1", "p1", false).connect().subscribe("by/#", 1);
    }

    @AfterAll
    static void stopHub() {
        bystander.close();
        hub.close();
    }

    @AfterEach
    void bystanderStillWorks() throws Exception {
        String m = "round" + (++round);
        bystander.publish("by/x", m, 1, false);
        await().untilAsserted(() -> assertThat(bystander.payloads()).contains(m));
        assertThat(bystander.paho.isConnected()).isTrue();
    }

    private RawClient connected(String id) {
        return RawClient.connect(hub.port()).write(connectPacket(id, 0)).read(CONNACK_OK);
    }

    @Test
    void badRemainingLength() {
        try (var c = RawClient.connect(hub.port())) {
            c.write(0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x01).closed();
        }
    }

    @Test
    void wrongProtocolName() {
        try (var c = RawClient.connect(hub.port())) {
            c.write(connectPacket("MQTX", 4, "x", 0)).read(0x20, 0x02, 0x00, 0x01).closed();
        }
    }

    @Test
    void wrongProtocolLevel() {
        try (var c = RawClient.connect(hub.port())) {
            c.write(connectPacket("MQTT", 9, "x", 0)).read(0x20, 0x02, 0x00, 0x01).closed();
        }
    }

    @Test
    void mqtt31IsAccepted() {
        try (var c = RawClient.connect(hub.port())) {
            c.write(connectPacket("MQIsdp", 3, "old", 0)).read(CONNACK_OK);
            c.write(0xC0, 0x00).read(0xD0, 0x00);
        }
    }

    @Test
    void reservedFlagsInConnectHeader() {
        try (var c = RawClient.connect(hub.port())) {
            byte[] p = connectPacket("x", 0);
            p[0] = 0x11;
            c.write(p).closed();
        }
    }

    @Test
    void reservedConnectFlagBit() {
        try (var c = RawClient.connect(hub.port())) {
            byte[] p = connectPacket("x", 0);
            p[9] = (byte) 0xC3; // connect flags with the reserved bit 0 set
            c.write(p).closed();
        }
    }

    @Test
    void reservedFlagsInPingreq() {
        try (var c = connected("x")) {
            c.write(0xC1, 0x00).closed();
        }
    }

    @Test
    void packetBeforeConnect() {
        try (var c = RawClient.connect(hub.port())) {
            c.write(0xC0, 0x00).closed();
        }
        try (var c = RawClient.connect(hub.port())) {
            c.write(publishPacket(0, "by/x", 0, "sneaky")).closed();
        }
    }

    @Test
    void secondConnect() {
        try (var c = connected("x")) {
            c.write(connectPacket("x", 0)).closed();
        }
    }

    @Test
    void oversizePacket() {
        try (var c = connected("x")) {
            c.write(publishPacket(0, "by/x", 0, "z".repeat(2000))).closed();
        }
        assertThat(bystander.payloads()).doesNotContain("z".repeat(2000));
    }

    @Test
    void invalidUtf8InTopic() {
        try (var c = connected("x")) {
            byte[] topic = {0x00, 0x04, 'b', 'y', (byte) 0xC3, 0x28};
            c.write(packet(0x30, topic, "p".getBytes())).closed();
        }
    }

    @Test
    void zeroLengthTopic() {
        try (var c = connected("x")) {
            c.write(publishPacket(0, "", 0, "p")).closed();
        }
    }

    @Test
    void wildcardInPublishTopic() {
        try (var c = connected("x")) {
            c.write(publishPacket(2, "by/+", 1, "p")).closed();
        }
        try (var c = connected("x")) {
            c.write(publishPacket(0, "by/#", 0, "p")).closed();
        }
    }

    @Test
    void dollarTopicPublish() {
        try (var c = connected("x")) {
            c.write(publishPacket(0, "$SYS/x", 0, "p")).closed();
        }
    }

    @Test
    void qos3Publish() {
        try (var c = connected("x")) {
            c.write(publishPacket(6, "by/x", 1, "p")).closed();
        }
    }

    @Test
    void subscribeWithWrongFlags() {
        try (var c = connected("x")) {
            byte[] p = subscribePacket(1, "a", 0);
            p[0] = (byte) 0x80;
            c.write(p).closed();
        }
    }

    @Test
    void keepAliveIsEnforcedAtOneAndAHalfTimes() {
        try (var c = RawClient.connect(hub.port())) {
            c.write(connectPacket("ka", 1)).read(CONNACK_OK);
            c.silentFor(Duration.ofMillis(1200));
            c.write(0xC0, 0x00).read(0xD0, 0x00);
            long t0 = System.nanoTime();
            c.closed(Duration.ofSeconds(4));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(1300), Duration.ofMillis(2500));
        }
    }

    @Test
    void unackedQos1IsResentWithDupUntilAcked() {
        try (var c = connected("noack")) {
            c.write(subscribePacket(7, "dup/x", 1)).read(0x90, 0x03, 0x00, 0x07, 0x01);
            try (var pub = connected("pubber")) {
                pub.write(publishPacket(2, "dup/x", 9, "again")).read(0x40, 0x02, 0x00, 0x09);
            }
            byte[] first = c.readPacket();
            assertThat(first[0] & 0xFF).isEqualTo(0x32);
            byte[] second = c.readPacket();
            assertThat(second[0] & 0xFF).isEqualTo(0x3A); // PUBLISH, DUP, QoS 1
            assertThat(java.util.Arrays.copyOfRange(second, 1, second.length)).isEqualTo(java.util.Arrays.copyOfRange(first, 1, first.length));
            int pidHi = first[2 + 2 + 5] & 0xFF;
            int pidLo = first[2 + 2 + 5 + 1] & 0xFF;
            c.write(0x40, 0x02, pidHi, pidLo).silentFor(Duration.ofMillis(1200));
        }
    }

    @Test
    void takeoverDuringHeldPacketsSubscribeRightAfterConnectWorks() {
        try (var a = connected("same")) {
            try (var b = RawClient.connect(hub.port())) {
                // CONNECT and SUBSCRIBE in one write, while the old session is being closed
                byte[] con = connectPacket("same", 0);
                byte[] sub = subscribePacket(3, "by/#", 0);
                byte[] both = new byte[con.length + sub.length];
                System.arraycopy(con, 0, both, 0, con.length);
                System.arraycopy(sub, 0, both, con.length, sub.length);
                b.write(both).read(CONNACK_OK).read(0x90, 0x03, 0x00, 0x03, 0x00);
                a.closed();
            }
        }
    }
}
