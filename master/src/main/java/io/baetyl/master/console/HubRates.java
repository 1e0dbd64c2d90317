package io.baetyl.master.console;

import io.baetyl.master.runtime.Operations;
import io.baetyl.master.runtime.Operations.Reported;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hub's message rates for the overview chart, computed from the counters each hub instance reports
 * ({@code broker_stats}, every {@code metrics.report.interval} of the hub): when an instance's report is newer than
 * the last one seen, the difference of its counters over the time between the two reports is one point. At most
 * {@link #MAX_POINTS} points are kept (the oldest go first).
 */
final class HubRates {
    static final int MAX_POINTS = 360;

    /** Messages per second received, sent and dropped over the report interval ending at {@code time}. */
    record Point(long time, double received, double sent, double dropped, long connections) {
    }

    private record Last(long reportedAt, double received, double sent, double dropped) {
    }

    private final Operations ops;
    private final Map<String, Last> last = new HashMap<>();
    private final ArrayDeque<Point> points = new ArrayDeque<>();

    HubRates(Operations ops) {
        this.ops = ops;
    }

    /** Reads the reports; adds a point for each hub instance that reported since the previous call. */
    synchronized void sample() {
        for (Reported r : ops.reported("broker_stats")) {
            if (!(r.value() instanceof Map<?, ?> stats) || r.reportedAt() == 0) {
                continue;
            }
            String key = r.service() + "/" + r.instance();
            Last now = new Last(r.reportedAt(), sum(stats, "messages_in_qos"), sum(stats, "messages_out_qos"),
                    number(stats.get("messages_dropped")) + sum(stats, "messages_dropped_qos"));
            Last before = last.put(key, now);
            if (before == null || before.reportedAt() == now.reportedAt()) {
                continue;
            }
            double seconds = (now.reportedAt() - before.reportedAt()) / 1000.0;
            if (seconds <= 0 || now.received() < before.received()) { // a restarted hub starts from zero
                continue;
            }
            points.addLast(new Point(now.reportedAt(), (now.received() - before.received()) / seconds,
                    (now.sent() - before.sent()) / seconds, Math.max(0, now.dropped() - before.dropped()) / seconds,
                    (long) number(stats.get("connections"))));
            while (points.size() > MAX_POINTS) {
                points.removeFirst();
            }
        }
    }

    /** Points after {@code since} (epoch millis), oldest first. */
    synchronized List<Point> since(long since) {
        List<Point> out = new ArrayList<>();
        for (Point p : points) {
            if (p.time() > since) {
                out.add(p);
            }
        }
        return out;
    }

    /** The latest totals of every hub instance, for the page's counters. */
    Map<String, Object> totals() {
        Map<String, Object> out = new LinkedHashMap<>();
        double received = 0;
        double sent = 0;
        for (Reported r : ops.reported("broker_stats")) {
            if (r.value() instanceof Map<?, ?> stats) {
                received += sum(stats, "messages_in_qos");
                sent += sum(stats, "messages_out_qos");
            }
        }
        out.put("received", (long) received);
        out.put("sent", (long) sent);
        return out;
    }

    private static double sum(Map<?, ?> stats, String prefix) {
        double total = 0;
        for (Map.Entry<?, ?> e : stats.entrySet()) {
            if (String.valueOf(e.getKey()).startsWith(prefix)) {
                total += number(e.getValue());
            }
        }
        return total;
    }

    private static double number(Object v) {
        return v instanceof Number n ? n.doubleValue() : 0;
    }
}
