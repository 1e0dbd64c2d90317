package io.baetyl.master.metrics;

import static io.baetyl.master.metrics.Values.list;
import static io.baetyl.master.metrics.Values.map;
import static io.baetyl.master.metrics.Values.num;
import static io.baetyl.master.metrics.Values.str;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the modules report to the master (their instance's {@code report}), as Prometheus metrics with the service
 * and instance as labels. The module is known by the key it reports: {@code broker_stats} (hub),
 * {@code functions} (function manager), {@code remote_stats} (remote-mqtt bridge), {@code kafka_stats}
 * (remote-kafka bridge). Any other numeric value a
 * service reports becomes {@code baetyl_instance_reported{key="a.b"}}, at most {@link #MAX_OTHER} per instance.
 */
final class ReportedMetrics {
    static final int MAX_OTHER = 100;
    private static final int MAX_DEPTH = 4;
    /** Keys the master itself puts into an instance's stats (see StatsStore and the engines). */
    static final Set<String> MASTER_KEYS = Set.of("name", "status", "process", "container", "create_time",
            "start_time", "finish_time", "exit_code", "restart_count", "reports_refused", "cpu_stats", "mem_stats",
            "error");
    private static final Pattern QOS = Pattern.compile("^messages_(in|out|dropped|refused)_qos(\\d)$");

    private ReportedMetrics() {
    }

    static void collect(String service, Map<String, Object> stats, Families f) {
        Labels base = Labels.of("service", service, "instance", str(stats.get("name")));
        int[] other = {0};
        stats.forEach((key, value) -> {
            if (MASTER_KEYS.contains(key)) {
                return;
            }
            switch (key) {
                case "broker_stats" -> hub(base, map(value), f);
                case "functions" -> functions(base, map(value), f);
                case "remote_stats" -> bridge(base, map(value), f);
                case "kafka_stats" -> kafka(base, map(value), f);
                default -> other(base, key, value, 0, other, f);
            }
        });
    }

    // ---- hub ----

    private static void hub(Labels l, Map<String, Object> s, Families f) {
        if (s == null) {
            return;
        }
        s.forEach((key, value) -> {
            double v = num(value);
            if (Double.isNaN(v)) {
                return;
            }
            Matcher m = QOS.matcher(key);
            if (m.matches()) {
                String qos = m.group(2);
                switch (m.group(1)) {
                    case "in" -> f.counter("baetyl_hub_messages_received", "PUBLISH packets received from clients.",
                            null, l.add("qos", qos), v);
                    case "out" -> f.counter("baetyl_hub_messages_sent", "PUBLISH packets sent to clients.", null,
                            l.add("qos", qos), v);
                    case "dropped" -> f.counter("baetyl_hub_messages_dropped",
                            "Messages dropped (a full QoS 0 queue), never delivered.", null, l.add("qos", qos), v);
                    default -> f.counter("baetyl_hub_messages_refused",
                            "QoS 1 publishes the hub could not store and did not acknowledge.", null,
                            l.add("qos", qos), v);
                }
                return;
            }
            switch (key) {
                case "connections" -> f.gauge("baetyl_hub_connections", "Clients connected now.", null, l, v);
                case "connections_total" -> f.counter("baetyl_hub_connections_accepted",
                        "Client connections accepted (CONNECT answered with success).", null, l, v);
                case "sessions" -> f.gauge("baetyl_hub_sessions", "Sessions, connected or persistent.", null, l, v);
                case "subscriptions" -> f.gauge("baetyl_hub_subscriptions", "Subscriptions of all sessions.", null,
                        l, v);
                case "retained" -> f.gauge("baetyl_hub_retained_messages", "Retained messages stored.", null, l, v);
                // Only QoS 0 messages are ever dropped; QoS 1 ones are refused instead (not acknowledged).
                case "messages_dropped" -> f.counter("baetyl_hub_messages_dropped",
                        "Messages dropped (a full QoS 0 queue), never delivered.", null, l.add("qos", "0"), v);
                case "messages_resent" -> f.counter("baetyl_hub_messages_resent",
                        "QoS 1 deliveries sent again (DUP) for want of a PUBACK.", null, l, v);
                case "messages_persisted" -> f.counter("baetyl_hub_messages_persisted",
                        "QoS 1 messages written to the message log.", null, l, v);
                case "persisted_backlog" -> f.gauge("baetyl_hub_persisted_backlog_messages",
                        "Messages of the QoS 1 log not yet acknowledged by every subscriber.", null, l, v);
                case "bytes_in" -> f.counter("baetyl_hub_received_bytes", "Bytes received from clients.", Unit.BYTES,
                        l, v);
                case "bytes_out" -> f.counter("baetyl_hub_sent_bytes", "Bytes sent to clients.", Unit.BYTES, l, v);
                case "retained_refused" -> f.counter("baetyl_hub_retained_refused",
                        "Retained messages not stored for want of room (the message itself was delivered).", null,
                        l, v);
                case "retained_write_pauses" -> f.counter("baetyl_hub_retained_write_pauses",
                        "Publishers not read for a while: retained messages came faster than the store wrote them.",
                        null, l, v);
                case "retained_write_waits" -> f.counter("baetyl_hub_retained_write_waits",
                        "Retained puts that wrote the full write-behind buffer to the store themselves.", null, l, v);
                case "connect_timeouts" -> f.counter("baetyl_hub_connect_timeouts",
                        "Connections closed because no CONNECT came in time.", null, l, v);
                default -> {
                    // persisted_sequence and keys of newer hubs: not a metric by name (yet)
                }
            }
        });
    }

    // ---- function manager ----

    private static void functions(Labels base, Map<String, Object> functions, Families f) {
        if (functions == null) {
            return;
        }
        functions.forEach((name, value) -> {
            Map<String, Object> s = map(value);
            if (s == null) {
                return;
            }
            Labels l = base.add("function", name);
            double calls = num(s, "calls");
            f.counter("baetyl_function_calls", "Calls of each function.", null, l, calls);
            f.counter("baetyl_function_errors", "Calls of each function that ended in an error.", null, l,
                    num(s, "errors"));
            double totalMs = num(s, "latency_total_ms");
            if (Double.isNaN(totalMs)) { // managers that report only the average
                totalMs = num(s, "latency_avg_ms") * calls;
            }
            if (!Double.isNaN(calls) && !Double.isNaN(totalMs)) {
                f.summary("baetyl_function_call_duration_seconds", "Time each function call took.", Unit.SECONDS, l,
                        (long) calls, totalMs / 1000);
            }
            f.gauge("baetyl_function_call_duration_max_seconds", "Longest call of each function so far.",
                    Unit.SECONDS, l, num(s, "latency_max_ms") / 1000);
            for (String state : new String[] {"idle", "busy", "starting"}) {
                f.gauge("baetyl_function_instances", "Runtime instances of each function's pool, by state.", null,
                        l.add("state", state), num(s, state));
            }
            f.gauge("baetyl_function_waiting_calls", "Calls waiting for a free instance.", null, l,
                    num(s, "waiting"));
            f.counter("baetyl_function_instances_started", "Runtime instances the pool started.", null, l,
                    num(s, "instances_started"));
            f.counter("baetyl_function_instances_stopped", "Runtime instances the pool stopped.", null, l,
                    num(s, "instances_stopped"));
        });
    }

    // ---- remote-mqtt bridge ----

    private static void bridge(Labels base, Map<String, Object> s, Families f) {
        for (Object r : list(s == null ? null : s.get("rules"))) {
            Map<String, Object> rule = map(r);
            if (rule == null) {
                continue;
            }
            // remote-mqtt puts the remote's name under "remote" and then its connection stats over it: the label is
            // the name when it is one, else the remote's address.
            Object remote = rule.get("remote");
            Map<String, Object> remoteSide = map(remote);
            String remoteLabel = remoteSide == null ? str(remote) : str(remoteSide.get("address"));
            Labels l = base.add("rule", str(rule.get("rule"))).add("remote", remoteLabel);
            for (String direction : new String[] {"hub_to_remote", "remote_to_hub"}) {
                direction(l.add("direction", direction), map(rule, direction), f);
            }
            for (String side : new String[] {"hub", "remote"}) {
                side(l.add("side", side), map(rule, side), f);
            }
        }
    }

    /** remote-kafka: outbound rules (hub to Kafka) and inbound entries (Kafka to hub), labelled like remote-mqtt's. */
    private static void kafka(Labels base, Map<String, Object> s, Families f) {
        for (Object r : list(s == null ? null : s.get("rules"))) {
            Map<String, Object> rule = map(r);
            if (rule != null) {
                Labels l = base.add("rule", str(rule.get("rule"))).add("remote", str(rule.get("kafka_topic")));
                direction(l.add("direction", "hub_to_kafka"), map(rule, "hub_to_kafka"), f);
                side(l.add("side", "hub"), map(rule, "hub"), f);
            }
        }
        for (Object r : list(s == null ? null : s.get("inbound"))) {
            Map<String, Object> in = map(r);
            if (in != null) {
                Labels l = base.add("rule", "inbound-" + str(in.get("inbound")))
                        .add("remote", String.join(",", list(in.get("kafka_topics")).stream().map(Values::str).toList()));
                direction(l.add("direction", "kafka_to_hub"), map(in, "kafka_to_hub"), f);
                side(l.add("side", "hub"), map(in, "hub"), f);
            }
        }
    }

    private static void direction(Labels l, Map<String, Object> d, Families f) {
        if (d == null) {
            return;
        }
        f.counter("baetyl_bridge_messages_forwarded", "Messages forwarded and acknowledged by the target.", null, l,
                num(d, "forwarded"));
        f.gauge("baetyl_bridge_messages_pending", "Messages sent to the target and not yet acknowledged.", null, l,
                num(d, "pending"));
        f.gauge("baetyl_bridge_messages_waiting_resend", "Messages waiting to be sent again.", null, l,
                num(d, "waiting_for_resend"));
        f.gauge("baetyl_bridge_messages_queued", "Messages in the bridge's buffer, not sent yet.", null, l,
                num(d, "queued"));
        f.counter("baetyl_bridge_messages_resent", "Messages sent again after a failure.", null, l,
                num(d, "resent"));
        f.counter("baetyl_bridge_messages_dropped", "QoS 0 messages the target could not take.", null,
                l.add("qos", "0"), num(d, "dropped_qos0"));
    }

    private static void side(Labels l, Map<String, Object> c, Families f) {
        if (c == null) {
            return;
        }
        f.gauge("baetyl_bridge_connected", "1 when the rule's client on that side is connected.", null, l,
                num(c, "connected"));
        f.counter("baetyl_bridge_connects", "Successful connects of the rule's client on that side.", null, l,
                num(c, "connects"));
        f.counter("baetyl_bridge_connect_failures", "Failed connects of the rule's client on that side.", null, l,
                num(c, "connect_failures"));
    }

    // ---- anything else ----

    private static void other(Labels l, String key, Object value, int depth, int[] count, Families f) {
        if (count[0] >= MAX_OTHER || depth > MAX_DEPTH) {
            return;
        }
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> other(l, key + "." + k, v, depth + 1, count, f));
            return;
        }
        double v = num(value);
        if (!Double.isNaN(v) && !Double.isInfinite(v)) {
            count[0]++;
            f.gauge("baetyl_instance_reported", "Other numbers an instance reports, by their key in its report.",
                    null, l.add("key", key), v);
        }
    }
}
