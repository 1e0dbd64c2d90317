package io.baetyl.bench;

import io.baetyl.bench.MqttWire.MalformedPacketException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link ManyToMany}'s load (publisher {@code i} on {@code bench/m2m/i}, every subscriber on {@code bench/m2m/+}) from
 * one thread: 20 non-blocking connections on one selector, MQTT 3.1.1 encoded by hand ({@link MqttWire}, {@link
 * MqttReader}), each PUBLISH encoded once per publisher and patched per message, several packets per write. The Paho
 * generator runs two threads per client and took most of a 2-core machine, so its msg/s measured the CPU a broker
 * left to it; this one costs a fraction of that, so the brokers are what is measured. Selected with
 * {@code manytomany --client raw}.
 *
 * <p>The window of {@link ManyToMany}, held per subscriber: at most --window messages per publisher between publish
 * and arrival at every subscriber (the Paho generator pools its permits over all subscribers, so there one slow
 * subscriber may fall up to subscribers x window behind). Every payload carries its publisher and message index; each
 * subscriber marks what it got, so loss and duplicates are counted exactly. A refused CONNECT or SUBSCRIBE, a
 * malformed packet or a socket error ends the run with an exception (non-zero exit). QoS 2 is refused: use the Paho
 * generator for it.
 */
final class RawManyToMany implements RawConnection.Traffic {
    /** A read takes at most this much; also the largest packet accepted (ours are about 120 bytes). */
    private static final int READ_BYTES = 64 * 1024;
    /** Queued output per connection: a subscriber's PUBACKs for two full reads, or a publisher's batch. */
    private static final int WRITE_BYTES = 2 * READ_BYTES;
    private static final int KEEP_ALIVE_SECONDS = 60;
    private static final long PING_EVERY_NANOS = 20_000_000_000L;
    private static final long HANDSHAKE_MILLIS = 10_000;
    /** At most this many QoS 1 PUBLISHes of one publisher without PUBACK (packet ids 1..65535 must stay unique). */
    private static final int MAX_UNACKED = 32_768;

    private final Bench bench;
    private final ManyToManyLoad load;
    private final int qos;
    private final byte[][] topics;
    // per publisher
    private final int[] sent;
    private final int[] unacked;
    private final boolean[][] awaitingAck;
    private final MqttWire.PublishTemplate[] templates;
    // per subscriber: messages that arrived from each publisher, and one bit per (publisher, message) received
    private final int[][] arrivals;
    private final long[][] seen;
    private long delivered;
    private long duplicates;
    private long lastArrival;

    RawManyToMany(Bench bench) {
        this(bench, ManyToManyLoad.from(bench));
    }

    RawManyToMany(Bench bench, ManyToManyLoad load) {
        if (load.qos() != 0 && load.qos() != 1) {
            throw new IllegalArgumentException("manytomany --client raw runs QoS 0 and 1, not " + load.qos()
                    + "; use --client paho for QoS 2");
        }
        if (load.size() < 8) {
            throw new IllegalArgumentException("--size " + load.size()
                    + ": the raw generator needs at least 8 bytes (publisher and message index)");
        }
        this.bench = bench;
        this.load = load;
        qos = load.qos();
        int p = load.publishers();
        topics = new byte[p][];
        templates = new MqttWire.PublishTemplate[p];
        for (int i = 0; i < p; i++) {
            topics[i] = ("bench/m2m/" + i).getBytes(StandardCharsets.UTF_8);
            templates[i] = new MqttWire.PublishTemplate("bench/m2m/" + i, qos, i, load.size());
        }
        sent = new int[p];
        arrivals = new int[load.subscribers()][p];
        unacked = new int[p];
        awaitingAck = new boolean[p][qos > 0 ? 65536 : 0];
        seen = new long[load.subscribers()][(int) (((long) p * load.count() + 63) / 64)];
    }

    void run() throws Exception {
        Result r = runLoad();
        load.report(bench, r.sent(), r.delivered(), r.duplicates(), r.seconds(), r.cpu0(), r.cpu1());
    }

    /** What a run counted: messages sent, unique deliveries, duplicates; the broker's CPU ticks before and after. */
    record Result(long sent, long delivered, long duplicates, double seconds, long[] cpu0, long[] cpu1) {
    }

    Result runLoad() throws IOException {
        InetSocketAddress broker = new InetSocketAddress(bench.host, bench.port);
        long id = ProcessHandle.current().pid();
        String user = bench.opt("username");
        String password = bench.opt("password");
        List<RawConnection> pubs = new ArrayList<>();
        List<RawConnection> all = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            try {
                for (int s = 0; s < load.subscribers(); s++) {
                    RawConnection c = open(selector, "subscriber " + s, s, broker, all);
                    c.start(MqttWire.connect("bench-m2m-raw-sub-" + s + "-" + id, user, password, KEEP_ALIVE_SECONDS),
                            MqttWire.subscribe(1, "bench/m2m/+", qos), 1);
                }
                for (int p = 0; p < load.publishers(); p++) {
                    RawConnection c = open(selector, "publisher " + p, p, broker, all);
                    c.start(MqttWire.connect("bench-m2m-raw-pub-" + p + "-" + id, user, password, KEEP_ALIVE_SECONDS),
                            null, -1);
                    pubs.add(c);
                }
                handshake(selector, all);
                return publish(selector, pubs, all);
            } finally {
                for (RawConnection c : all) {
                    c.close();
                }
            }
        }
    }

    private RawConnection open(Selector selector, String name, int index, InetSocketAddress broker,
            List<RawConnection> all) throws IOException {
        RawConnection c = new RawConnection(name, index, broker, READ_BYTES, WRITE_BYTES, this);
        all.add(c);
        c.register(selector);
        return c;
    }

    private void handshake(Selector selector, List<RawConnection> all) throws IOException {
        long deadline = System.currentTimeMillis() + HANDSHAKE_MILLIS;
        for (RawConnection c : all) {
            c.flush();
        }
        while (!all.stream().allMatch(RawConnection::ready)) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new IOException("CONNECT/SUBSCRIBE not acknowledged within " + HANDSHAKE_MILLIS + " ms: "
                        + all.stream().filter(c -> !c.ready()).map(c -> c.name).toList());
            }
            selector.select(left);
            handleSelected(selector);
        }
    }

    private Result publish(Selector selector, List<RawConnection> pubs, List<RawConnection> all) throws IOException {
        long expected = load.expected();
        long[] cpu0 = bench.cpu();
        long t0 = System.nanoTime();
        long deadline = System.currentTimeMillis() + bench.timeoutMillis;
        long lastPing = t0;
        long allSentAt = 0;
        byte[] ping = MqttWire.pingreq();
        while (true) {
            long now = System.currentTimeMillis();
            if (now >= deadline) {
                break;
            }
            boolean allSent = true;
            for (RawConnection c : pubs) {
                allSent &= fill(c);
            }
            if (allSent && allSentAt == 0) {
                allSentAt = now;
            }
            if (delivered >= expected && (qos == 0 || allAcked())) {
                break;
            }
            // QoS 0 may drop at the limits, so it gets 5 s after the last publish (as Bench.awaitArrivals); QoS 1
            // must all arrive (a loss is a finding, not a timing artefact), so it gets until the --timeout
            if (qos == 0 && allSentAt != 0 && now - allSentAt > 5000) {
                break;
            }
            if (System.nanoTime() - lastPing > PING_EVERY_NANOS) {
                lastPing = System.nanoTime();
                for (RawConnection c : all) {
                    if (c.out.remaining() >= ping.length) {
                        c.out.put(ping);
                    }
                }
            }
            for (RawConnection c : all) {
                c.flush();
            }
            selector.select(Math.max(1, Math.min(deadline - now, 1000)));
            handleSelected(selector);
        }
        if (qos == 0) {
            // late duplicates would show here
            long until = System.currentTimeMillis() + 200;
            for (long left = 200; left > 0; left = until - System.currentTimeMillis()) {
                selector.select(left);
                handleSelected(selector);
            }
        }
        if (delivered < expected) {
            // where it stopped: a window that never reopened names the publishers whose messages did not all arrive
            System.err.println("manytomany raw: stopped with " + delivered + " of " + expected
                    + " deliveries; per publisher sent " + Arrays.toString(sent) + ", arrivals per subscriber "
                    + Arrays.deepToString(arrivals) + (qos > 0 ? ", without PUBACK " + Arrays.toString(unacked) : ""));
        }
        long[] cpu1 = bench.cpu();
        long total = 0;
        for (int s : sent) {
            total += s;
        }
        double secs = (Math.max(lastArrival, t0 + 1) - t0) / 1e9;
        return new Result(total, delivered, duplicates, secs, cpu0, cpu1);
    }

    /** Queues the publisher's next messages that the window and the buffer allow; true once all are queued. */
    private boolean fill(RawConnection c) {
        int p = c.index;
        MqttWire.PublishTemplate t = templates[p];
        int slowest = Integer.MAX_VALUE;
        for (int[] a : arrivals) {
            slowest = Math.min(slowest, a[p]);
        }
        while (sent[p] < load.count()) {
            // a message is in flight until it arrived at every subscriber, so no subscriber's queue in the broker
            // holds more than publishers x window of them
            if (sent[p] - slowest >= load.window() || c.out.remaining() < t.length()) {
                return false;
            }
            int packetId = 0;
            if (qos > 0) {
                packetId = sent[p] % 65535 + 1;
                if (unacked[p] >= MAX_UNACKED || awaitingAck[p][packetId]) {
                    return false;
                }
                awaitingAck[p][packetId] = true;
                unacked[p]++;
            }
            t.put(c.out, packetId, sent[p]);
            sent[p]++;
        }
        return true;
    }

    private boolean allAcked() {
        for (int u : unacked) {
            if (u > 0) {
                return false;
            }
        }
        return true;
    }

    private void handleSelected(Selector selector) throws IOException {
        for (SelectionKey k : selector.selectedKeys()) {
            RawConnection c = (RawConnection) k.attachment();
            if (k.isValid() && k.isReadable()) {
                c.read();
            }
            c.flush();
        }
        selector.selectedKeys().clear();
    }

    @Override
    public void publish(RawConnection c, int msgQos, int packetId, ByteBuffer buf, int topicOffset, int topicLength,
            int payloadOffset, int payloadLength) throws IOException {
        if (!c.subscriber()) {
            throw new MalformedPacketException(c.name + ": a PUBLISH to a publisher, which subscribed to nothing");
        }
        if (payloadLength < 8) {
            throw new MalformedPacketException(c.name + ": a PUBLISH of " + payloadLength + " bytes, sent were "
                    + load.size());
        }
        int p = buf.getInt(payloadOffset);
        int i = buf.getInt(payloadOffset + 4);
        if (p < 0 || p >= load.publishers() || i < 0 || i >= load.count() || payloadLength != load.size()) {
            throw new MalformedPacketException(c.name + ": a PUBLISH with publisher " + p + " message " + i
                    + " and " + payloadLength + " bytes, not one of this run's");
        }
        if (!sameBytes(buf, topicOffset, topicLength, topics[p])) {
            throw new MalformedPacketException(c.name + ": message " + i + " of publisher " + p
                    + " arrived on another topic than bench/m2m/" + p);
        }
        if (msgQos > qos) {
            throw new MalformedPacketException(c.name + ": a PUBLISH at QoS " + msgQos + " on a QoS " + qos
                    + " subscription");
        }
        long bit = (long) p * load.count() + i;
        long[] s = seen[c.index];
        long mask = 1L << (bit & 63);
        int word = (int) (bit >>> 6);
        if ((s[word] & mask) != 0) {
            duplicates++;
        } else {
            s[word] |= mask;
            delivered++;
        }
        arrivals[c.index][p]++;
        lastArrival = System.nanoTime();
        if (msgQos == 1) {
            MqttWire.putPuback(c.out, packetId);
        }
    }

    @Override
    public void puback(RawConnection c, int packetId) throws IOException {
        int p = c.index;
        if (c.subscriber() || qos == 0 || !awaitingAck[p][packetId]) {
            throw new MalformedPacketException(c.name + ": PUBACK for packet id " + packetId + ", not in flight");
        }
        awaitingAck[p][packetId] = false;
        unacked[p]--;
    }

    private static boolean sameBytes(ByteBuffer buf, int offset, int length, byte[] expected) {
        if (length != expected.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf.get(offset + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
