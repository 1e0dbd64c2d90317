package io.baetyl.master.metrics;

import static io.baetyl.master.metrics.Values.map;
import static io.baetyl.master.metrics.Values.num;

import io.baetyl.master.runtime.Operations;
import io.baetyl.master.runtime.Operations.InstanceFacts;
import io.baetyl.master.runtime.Operations.ServiceView;
import io.baetyl.master.runtime.Version;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The master's own state for {@code /metrics}: services, instances and their states, restarts, OTA steps, and the
 * host figures inspect shows.
 */
final class MasterMetrics {
    /** The states an instance of inspect can be in (final states are no longer listed). */
    static final List<String> STATES = List.of("new", "starting", "running", "restarting");

    private MasterMetrics() {
    }

    static void collect(Operations ops, List<ServiceView> services, Map<String, Object> hardware, Families f) {
        f.info("baetyl_master", "The master: version, git revision, mode and application version.",
                Labels.of("version", Version.VERSION, "revision", Version.REVISION, "mode", ops.config().mode,
                        "app_version", ops.confVersion()));
        f.gauge("baetyl_services", "Services of the application that are running.", null, Labels.EMPTY,
                services.size());
        Map<String, Integer> byState = new TreeMap<>();
        STATES.forEach(s -> byState.put(s, 0));
        boolean fraction = "docker".equals(ops.config().mode);
        for (ServiceView s : services) {
            Map<String, Map<String, Object>> stats = new LinkedHashMap<>();
            s.stats().forEach(m -> stats.put(String.valueOf(m.get("name")), m));
            for (InstanceFacts i : s.instances()) {
                Labels l = Labels.of("service", s.name(), "instance", i.name());
                byState.merge(i.status(), 1, Integer::sum);
                Map<String, Boolean> states = new LinkedHashMap<>();
                STATES.forEach(st -> states.put(st, st.equals(i.status())));
                f.stateSet("baetyl_instance_state", "The state of each supervised instance.", l, states);
                f.counter("baetyl_instance_restarts", "Restarts of each instance by the master since it was created.",
                        null, l, i.restartsTotal());
                Map<String, Object> st = stats.get(i.name());
                double cpu = num(map(st, "cpu_stats"), "used_percent");
                // Native instances report a percentage of one core over their lifetime, docker ones a fraction.
                f.gauge("baetyl_instance_cpu_usage_ratio", "CPU used by each instance, 1 being one core.", null, l,
                        fraction ? cpu : cpu / 100);
                f.gauge("baetyl_instance_memory_bytes", "Memory used by each instance (resident set or cgroup usage).",
                        Unit.BYTES, l, num(map(st, "mem_stats"), "used"));
                f.gauge("baetyl_instance_up", "1 when the instance runs, else 0.", null, l,
                        "running".equals(i.status()) ? 1 : 0);
            }
        }
        byState.forEach((state, n) -> f.gauge("baetyl_instances", "Supervised instances by state.", null,
                Labels.of("state", state), n));
        ops.otaSteps().snapshot().forEach((key, n) -> {
            String[] typeStep = key.split("/", 2);
            f.counter("baetyl_ota_steps", "Steps of application (APP) and master (MST) updates, as in ota.log.",
                    null, Labels.of("type", typeStep[0], "step", typeStep[1]), n);
        });
        f.gauge("baetyl_app_update_failed", "1 when the last application update failed (inspect's error), else 0.",
                null, Labels.EMPTY, ops.lastUpdateError().isEmpty() ? 0 : 1);
        host(hardware, f);
    }

    private static void host(Map<String, Object> hw, Families f) {
        if (hw == null) {
            return;
        }
        Map<String, Object> host = map(hw, "host_stats");
        f.gauge("baetyl_host_uptime_seconds", "Seconds since the host booted.", Unit.SECONDS, Labels.EMPTY,
                num(host, "uptime"));
        f.gauge("baetyl_host_boot_time_seconds", "When the host booted, in Unix time.", Unit.SECONDS, Labels.EMPTY,
                num(host, "boot_time"));
        f.gauge("baetyl_host_processes", "Processes running on the host.", null, Labels.EMPTY,
                num(host, "process_num"));
        Map<String, Object> cpu = map(hw, "cpu_stats");
        f.gauge("baetyl_host_cpu_cores", "CPU cores of the host.", null, Labels.EMPTY, num(cpu, "cores"));
        f.gauge("baetyl_host_cpu_usage_ratio", "Busy share of the host's CPUs since the previous inspect or scrape.",
                null, Labels.EMPTY, num(cpu, "used_percent") / 100);
        Map<String, Object> mem = map(hw, "mem_stats");
        f.gauge("baetyl_host_memory_total_bytes", "Memory of the host.", Unit.BYTES, Labels.EMPTY, num(mem, "total"));
        f.gauge("baetyl_host_memory_used_bytes", "Memory in use on the host.", Unit.BYTES, Labels.EMPTY,
                num(mem, "used"));
        f.gauge("baetyl_host_memory_free_bytes", "Free memory of the host.", Unit.BYTES, Labels.EMPTY,
                num(mem, "free"));
        f.gauge("baetyl_host_swap_total_bytes", "Swap space of the host.", Unit.BYTES, Labels.EMPTY,
                num(mem, "swap_total"));
        f.gauge("baetyl_host_swap_used_bytes", "Swap space in use.", Unit.BYTES, Labels.EMPTY, num(mem, "swap_used"));
        Map<String, Object> disk = map(hw, "disk_stats");
        if (disk != null) {
            Labels l = Labels.of("path", Values.str(disk.get("path")));
            f.gauge("baetyl_host_disk_total_bytes", "Size of the filesystem holding the working dir.", Unit.BYTES, l,
                    num(disk, "total"));
            f.gauge("baetyl_host_disk_used_bytes", "Space used on that filesystem.", Unit.BYTES, l, num(disk, "used"));
            f.gauge("baetyl_host_disk_free_bytes", "Space free on that filesystem.", Unit.BYTES, l, num(disk, "free"));
            f.gauge("baetyl_host_disk_inodes", "Inodes of that filesystem.", null, l, num(disk, "inodes_total"));
            f.gauge("baetyl_host_disk_inodes_used", "Inodes in use on that filesystem.", null, l,
                    num(disk, "inodes_used"));
        }
        Map<String, Object> gpu = map(hw, "gpu_stats");
        for (Object g : Values.list(gpu == null ? null : gpu.get("gpus"))) {
            Map<String, Object> m = map(g);
            if (m == null) {
                continue;
            }
            Labels l = Labels.of("gpu", Values.str(m.get("index")), "model", Values.str(m.get("model")));
            // nvidia-smi reports MiB, as inspect shows them.
            f.gauge("baetyl_host_gpu_memory_total_bytes", "Memory of each GPU.", Unit.BYTES, l,
                    num(m, "mem_total") * 1024 * 1024);
            f.gauge("baetyl_host_gpu_memory_free_bytes", "Free memory of each GPU.", Unit.BYTES, l,
                    num(m, "mem_free") * 1024 * 1024);
            f.gauge("baetyl_host_gpu_usage_ratio", "Busy share of each GPU.", null, l,
                    num(m, "gpu_used_percent") / 100);
        }
    }
}
