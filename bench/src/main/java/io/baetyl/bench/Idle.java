package io.baetyl.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Opens N idle MQTT connections (keep-alive 0) with plain sockets, holds them, reports the broker's RSS. */
final class Idle {
    private final Bench bench;

    Idle(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int clients = bench.intOpt("clients", 1000);
        int hold = bench.intOpt("hold", 5);
        long deadline = System.currentTimeMillis() + bench.timeoutMillis;
        bench.rssAs("broker_rss_kb_before");
        List<SocketChannel> open = new ArrayList<>();
        int failed = 0;
        for (int i = 0; i < clients && System.currentTimeMillis() < deadline; i++) {
            try {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress(bench.host, bench.port));
                ch.write(ByteBuffer.wrap(connectPacket("idle-" + i + "-" + ProcessHandle.current().pid())));
                ByteBuffer ack = ByteBuffer.allocate(4);
                ch.socket().setSoTimeout(5000);
                InputStream in = ch.socket().getInputStream();
                byte[] a = in.readNBytes(4);
                if (a.length == 4 && a[0] == 0x20 && a[3] == 0) {
                    open.add(ch);
                } else {
                    failed++;
                    ch.close();
                }
            } catch (IOException e) {
                failed++;
            }
        }
        Thread.sleep(hold * 1000L);
        System.out.println("mode=idle");
        System.out.println("connected=" + open.size());
        System.out.println("failed=" + failed);
        long before = bench.rssValue();
        bench.rssAs("broker_rss_kb");
        int still = 0;
        for (SocketChannel ch : open) {
            if (ch.isOpen() && ch.isConnected()) {
                still++;
            }
            ch.close();
        }
        System.out.println("still_open=" + still);
        if (before > 0 && bench.pid != null) {
            System.out.println("note=compare broker_rss_kb with broker_rss_kb_before for the per-connection cost");
        }
    }

    private byte[] connectPacket(String id) {
        byte[] proto = {0, 4, 'M', 'Q', 'T', 'T', 4};
        String user = bench.opt("username");
        String pass = bench.opt("password");
        int flags = 0x02 | (user != null ? 0x80 : 0) | (pass != null ? 0x40 : 0);
        ByteBuffer body = ByteBuffer.allocate(512);
        body.put(proto).put((byte) flags).putShort((short) 0);
        putStr(body, id);
        if (user != null) {
            putStr(body, user);
        }
        if (pass != null) {
            putStr(body, pass);
        }
        body.flip();
        ByteBuffer out = ByteBuffer.allocate(body.remaining() + 2);
        out.put((byte) 0x10).put((byte) body.remaining()).put(body);
        return out.array();
    }

    private static void putStr(ByteBuffer b, String s) {
        byte[] d = s.getBytes(StandardCharsets.UTF_8);
        b.putShort((short) d.length).put(d);
    }
}
