package io.baetyl.master.console;

import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.inspect.HostStats;
import io.baetyl.master.runtime.Operations;
import io.baetyl.master.runtime.Operations.InstanceFacts;
import io.baetyl.master.runtime.Operations.Reported;
import io.baetyl.master.runtime.Operations.ServiceView;
import io.baetyl.master.runtime.Version;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The read-only documents behind the console's pages, built from the master's state and the services' reports. */
final class ConsoleViews {
    static final int OTA_LINES = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Operations ops;
    private final HubRates rates;

    ConsoleViews(Operations ops, HubRates rates) {
        this.ops = ops;
        this.rates = rates;
    }

    Map<String, Object> overview() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("time", Instant.now().toString());
        doc.put("error", ops.lastUpdateError());
        doc.put("master", Map.of("version", Version.VERSION, "mode", ops.config().mode,
                "app_version", ops.confVersion()));
        doc.put("host", host());
        List<Map<String, Object>> services = new ArrayList<>();
        for (ServiceView s : ops.services()) {
            Map<String, Object> m = serviceHeader(s);
            m.put("instances", instances(s));
            services.add(m);
        }
        doc.put("services", services);
        doc.put("hub", hubSummary());
        return doc;
    }

    private Map<String, Object> host() {
        Map<String, Object> hw = HostStats.collect(ops.workDir());
        Map<String, Object> out = new LinkedHashMap<>();
        Map<?, ?> cpu = (Map<?, ?>) hw.get("cpu_stats");
        Map<?, ?> mem = (Map<?, ?>) hw.get("mem_stats");
        Map<?, ?> disk = (Map<?, ?>) hw.get("disk_stats");
        Map<?, ?> host = (Map<?, ?>) hw.get("host_stats");
        out.put("hostname", host == null ? "" : host.get("hostname"));
        out.put("cpu_percent", cpu == null ? null : cpu.get("used_percent"));
        out.put("cores", cpu == null ? null : cpu.get("cores"));
        out.put("mem_total", mem == null ? null : mem.get("total"));
        out.put("mem_used", mem == null ? null : mem.get("used"));
        out.put("disk_total", disk == null ? null : disk.get("total"));
        out.put("disk_used", disk == null ? null : disk.get("used"));
        return out;
    }

    private static Map<String, Object> serviceHeader(ServiceView s) {
        ServiceSpec spec = s.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("image", spec.image);
        m.put("replica", spec.replica);
        return m;
    }

    /** Instances with state, restarts and live use: CPU in percent of one core, memory in bytes. */
    private List<Map<String, Object>> instances(ServiceView s) {
        boolean fraction = "docker".equals(ops.config().mode);
        Map<String, Map<String, Object>> stats = new LinkedHashMap<>();
        s.stats().forEach(m -> stats.put(String.valueOf(m.get("name")), m));
        List<Map<String, Object>> out = new ArrayList<>();
        for (InstanceFacts i : s.instances()) {
            Map<String, Object> st = stats.getOrDefault(i.name(), Map.of());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", i.name());
            m.put("status", i.status());
            m.put("replica", i.replica());
            m.put("restarts", i.restartsTotal());
            m.put("start_time", st.get("start_time"));
            Object cpu = st.get("cpu_stats") instanceof Map<?, ?> c ? c.get("used_percent") : null;
            m.put("cpu_percent", cpu instanceof Number n ? (fraction ? n.doubleValue() * 100 : n.doubleValue()) : null);
            m.put("mem_bytes", st.get("mem_stats") instanceof Map<?, ?> mm ? mm.get("used") : null);
            out.add(m);
        }
        return out;
    }

    private Map<String, Object> hubSummary() {
        List<Reported> hubs = ops.reported("broker_stats");
        if (hubs.isEmpty()) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : new String[] {"connections", "sessions", "subscriptions", "retained"}) {
            long total = 0;
            for (Reported r : hubs) {
                if (r.value() instanceof Map<?, ?> m && m.get(key) instanceof Number n) {
                    total += n.longValue();
                }
            }
            out.put(key, total);
        }
        out.putAll(rates.totals());
        out.put("reported_at", hubs.stream().mapToLong(Reported::reportedAt).max().orElse(0));
        return out;
    }

    /** Messages per second from the hub's reports, after {@code since} (epoch millis). */
    Map<String, Object> rates(long since) {
        List<Map<String, Object>> points = new ArrayList<>();
        for (HubRates.Point p : rates.since(since)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("t", p.time());
            m.put("received", p.received());
            m.put("sent", p.sent());
            m.put("dropped", p.dropped());
            m.put("connections", p.connections());
            points.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("points", points);
        out.put("totals", rates.totals());
        return out;
    }

    /** A service's definition, instances, volumes and log; null when there is no such service. */
    Map<String, Object> service(String name, Principal who) {
        ServiceView s = ops.services().stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
        if (s == null) {
            return null;
        }
        boolean files = who.maySeeFilesOf(name);
        Map<String, Object> m = serviceHeader(s);
        m.put("restart_policy", s.spec().restart.policy);
        m.put("depends_on", s.spec().dependsOn);
        m.put("instances", instances(s));
        m.put("volumes", ServiceFiles.volumes(s, ops.guard(), files));
        m.put("log", files ? ServiceFiles.logTail(s, ops.guard())
                : Map.of("error", "only the service itself or a configured console user may read its log"));
        return m;
    }

    /** What each hub instance reports: its counters, and its clients and subscriptions when it lists them. */
    List<Map<String, Object>> hub() {
        return byInstance("broker_stats", "broker_clients");
    }

    /** What each function manager reports: its function pools. */
    List<Map<String, Object>> functions() {
        return byInstance("functions", null);
    }

    private List<Map<String, Object>> byInstance(String key, String extra) {
        Map<String, Map<String, Object>> extras = new LinkedHashMap<>();
        if (extra != null) {
            ops.reported(extra).forEach(r -> extras.put(r.service() + "/" + r.instance(),
                    r.value() instanceof Map<?, ?> ? castMap(r.value()) : Map.of()));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Reported r : ops.reported(key)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("service", r.service());
            m.put("instance", r.instance());
            m.put("reported_at", r.reportedAt());
            m.put(key, r.value());
            if (extra != null) {
                m.put(extra, extras.get(r.service() + "/" + r.instance()));
            }
            out.add(m);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    /** The last lines of ota.log, parsed, newest last; and the current error and app version. */
    Map<String, Object> ota() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("error", ops.lastUpdateError());
        out.put("app_version", ops.confVersion());
        List<Object> lines = new ArrayList<>();
        Path file = ops.otaLogFile();
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                List<String> raw = ServiceFiles.tail(file);
                for (String l : raw.subList(Math.max(0, raw.size() - OTA_LINES), raw.size())) {
                    try {
                        lines.add(JSON.readValue(l, Map.class));
                    } catch (IOException e) {
                        lines.add(Map.of("msg", l));
                    }
                }
            } catch (IOException e) {
                out.put("read_error", e.getMessage());
            }
        }
        out.put("lines", lines);
        return out;
    }
}
