package io.baetyl.sdk.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The socket under Paho: packets written in between never split one of Paho's, and reads are buffered. */
@Timeout(30)
class PacketSocketTest {
    @Test
    void packetsOfOthersWaitForTheEndOfPahosPacketAndGoOutInOneWrite() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = NoDelaySockets.plain().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            assertThat(client).isInstanceOf(PacketSocket.class);
            OutputStream paho = client.getOutputStream();
            paho.write(new byte[] {(byte) 0xC0}); // half a PINGREQ: Paho writes a packet in pieces, then flushes
            CompletableFuture<Void> batch = CompletableFuture.runAsync(() -> {
                try {
                    ((PacketSocket) client).writePackets(new byte[] {0x40, 2, 0, 1, 0x40, 2, 0, 2}, 0, 8);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // the batch waits for Paho's flush: nothing of it may come before
            org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300)).atMost(java.time.Duration.ofSeconds(2))
                    .until(() -> !batch.isDone() && peer.getInputStream().available() == 0);
            paho.write(new byte[] {0});
            paho.flush();
            batch.get(5, TimeUnit.SECONDS);
            byte[] got = peer.getInputStream().readNBytes(10);
            assertThat(got).containsExactly((byte) 0xC0, 0, 0x40, 2, 0, 1, 0x40, 2, 0, 2);
        }
    }

    @Test
    void readsGoThroughABuffer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = NoDelaySockets.plain().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            peer.getOutputStream().write(new byte[] {0x40, 2, 0, 1, 0x40, 2, 0, 2});
            peer.getOutputStream().flush();
            InputStream in = client.getInputStream();
            assertThat(in).isInstanceOf(java.io.BufferedInputStream.class);
            assertThat(client.getInputStream()).isSameAs(in);
            assertThat(in.readNBytes(8)).containsExactly(0x40, 2, 0, 1, 0x40, 2, 0, 2);
        }
    }
}
