package io.baetyl.hub.config;

import java.time.Duration;

/**
 * The hub's effective budgets: what {@code service.yml} sets, and for every unset key a default derived from the
 * JVM's maximum heap ({@code -Xmx}) or, for the QoS 1 log, from the disk. Together the heap budgets take about half of
 * the heap, which leaves the rest for the connections' working set:
 * <ul>
 *   <li>QoS 1 message cache: heap/8 bytes;</li>
 *   <li>QoS 0 queues: heap/32 bytes per session, heap/4 for all sessions together;</li>
 *   <li>retained messages: their payloads are on disk, the heap holds an index of about 100 bytes plus the topic per
 *       message, hence heap/4096 messages (about heap/13 at the longest topics);</li>
 *   <li>QoS 1 log: on disk, min(1 GiB, half of the space free for it at start); its index costs up to a byte of heap
 *       per message, hence heap/16 messages.</li>
 * </ul>
 */
public record Limits(
        long heapMax,
        long logSizeMax,
        long logCountMax,
        long retainedSizeMax,
        long retainedCountMax,
        long cacheSizeMax,
        int cacheCountMax,
        int qos0SessionCountMax,
        long qos0SessionSizeMax,
        long qos0TotalSizeMax,
        Duration connectTimeout) {

    static final long GIB = 1L << 30;
    /** The smallest QoS 1 log cap: a few segments of the smallest size. */
    public static final long MIN_LOG_SIZE = 64 * 1024;

    /** Budgets for a hub whose store is on the heap (no storage dir): the log's default cap is then heap/4. */
    public static Limits of(HubConfig c) {
        return of(c, Runtime.getRuntime().maxMemory(), -1);
    }

    /**
     * @param heapMax      the JVM's maximum heap
     * @param diskForLog   bytes the QoS 1 log may grow into (free space plus what it holds already), or -1 when the
     *                     store is on the heap
     */
    public static Limits of(HubConfig c, long heapMax, long diskForLog) {
        long logSize = c.storage.size.max != null ? c.storage.size.max.bytes()
                : diskForLog < 0 ? heapMax / 4 : Math.max(MIN_LOG_SIZE, Math.min(GIB, diskForLog / 2));
        long logCount = c.storage.count.max != null ? c.storage.count.max : Math.max(1000, heapMax / 16);
        MessageConfig.Bounds retained = c.message.retained;
        long retainedSize = retained.size.max != null ? retained.size.max.bytes() : logSize / 4;
        long retainedCount = retained.count.max != null ? retained.count.max : Math.max(100, heapMax / 4096);
        MessageConfig.Bounds cache = c.message.ingress.qos1.cache;
        long cacheSize = cache.size.max != null ? cache.size.max.bytes() : heapMax / 8;
        long cacheCount = cache.count.max != null ? cache.count.max
                : Long.highestOneBit(Math.max(1024, Math.min(1 << 20, heapMax / 4096)));
        MessageConfig.EgressQos0 q0 = c.message.egress.qos0;
        long q0Session = q0.session.size.max != null ? q0.session.size.max.bytes() : heapMax / 32;
        long q0Total = q0.total.size.max != null ? q0.total.size.max.bytes() : heapMax / 4;
        return new Limits(heapMax, logSize, logCount, retainedSize, retainedCount, cacheSize,
                (int) Math.min(1 << 24, cacheCount), q0.buffer.size, q0Session, q0Total, c.connect.timeout);
    }

    /** One line for the start-up log. */
    public String describe() {
        return "heap=" + mb(heapMax) + ", storage.size.max=" + mb(logSizeMax) + ", storage.count.max=" + logCountMax
                + ", message.retained.size.max=" + mb(retainedSizeMax) + ", message.retained.count.max=" + retainedCountMax
                + ", message.ingress.qos1.cache.size.max=" + mb(cacheSizeMax) + ", message.ingress.qos1.cache.count.max="
                + cacheCountMax + ", message.egress.qos0.buffer.size=" + qos0SessionCountMax
                + ", message.egress.qos0.session.size.max=" + mb(qos0SessionSizeMax)
                + ", message.egress.qos0.total.size.max=" + mb(qos0TotalSizeMax)
                + ", connect.timeout=" + connectTimeout.toMillis() + "ms";
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1fMB", bytes / 1048576.0);
    }
}
