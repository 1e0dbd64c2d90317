package io.baetyl.bench;

import java.io.IOException;

/**
 * What both many-to-many generators ({@link ManyToMany} on Paho, {@link RawManyToMany} on NIO) share: the options of
 * a run and the lines they print, so the two report the same figures under the same names.
 */
record ManyToManyLoad(int qos, int publishers, int subscribers, int count, int size, int window) {
    static ManyToManyLoad from(Bench bench) {
        // 16 publishers x 500 = 8,000 messages on their way to each subscriber: within the hub's QoS 0 queue of one
        // session (message.egress.qos0.buffer.size, 10,000 as in Baetyl), so QoS 0 measures delivery, not drops at
        // that bound (with 1,000 the hub dropped 6 %)
        return new ManyToManyLoad(bench.intOpt("qos", 0), bench.intOpt("publishers", 16), bench.intOpt("subscribers", 4),
                bench.intOpt("count", 20_000), bench.intOpt("size", 100), bench.intOpt("window", 500));
    }

    /** Deliveries when nothing is lost: every subscriber gets every message. */
    long expected() {
        return (long) publishers * count * subscribers;
    }

    /**
     * Prints the run's figures. {@code duplicates} is null when the generator cannot tell (the Paho one carries no
     * sequence numbers); {@code cpu0}/{@code cpu1} are null without --pid.
     */
    void report(Bench bench, long sent, long delivered, Long duplicates, double secs, long[] cpu0, long[] cpu1)
            throws IOException {
        long due = sent * subscribers;
        System.out.println("mode=manytomany");
        System.out.println("qos=" + qos);
        System.out.println("publishers=" + publishers);
        System.out.println("subscribers=" + subscribers);
        System.out.println("payload_bytes=" + size);
        System.out.println("sent=" + sent);
        System.out.println("delivered=" + delivered);
        if (duplicates != null) {
            System.out.println("duplicates=" + duplicates);
        }
        System.out.printf("loss_percent=%.4f%n", 100.0 * (due - Math.min(delivered, due)) / Math.max(1, due));
        System.out.printf("seconds=%.3f%n", secs);
        System.out.printf("delivered_per_second=%.0f%n", delivered / secs);
        Bench.printBrokerCpu(cpu0, cpu1, delivered, "delivered");
        bench.rss();
    }
}
