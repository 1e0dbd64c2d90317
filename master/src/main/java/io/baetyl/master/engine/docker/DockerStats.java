package io.baetyl.master.engine.docker;

import com.github.dockerjava.api.model.CpuStatsConfig;
import com.github.dockerjava.api.model.MemoryStatsConfig;
import com.github.dockerjava.api.model.Statistics;
import java.util.LinkedHashMap;
import java.util.Map;

/** Baetyl's instance stats from one Docker stats sample: {@code cpu_stats.used_percent} and {@code mem_stats}. */
final class DockerStats {
    private DockerStats() {
    }

    /**
     * {@code used_percent} is a fraction as in Baetyl (cpu delta / system delta × cpus, not × 100), so that values read
     * the same in both engines' consumers; {@code mem_stats} is {@code {total: limit, used: usage, used_percent}}.
     */
    static Map<String, Object> of(Statistics s) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (s == null) {
            return out;
        }
        CpuStatsConfig cpu = s.getCpuStats();
        CpuStatsConfig pre = s.getPreCpuStats();
        if (cpu != null && cpu.getCpuUsage() != null && cpu.getCpuUsage().getTotalUsage() != null) {
            long cpuNow = cpu.getCpuUsage().getTotalUsage();
            long cpuBefore = pre != null && pre.getCpuUsage() != null && pre.getCpuUsage().getTotalUsage() != null
                    ? pre.getCpuUsage().getTotalUsage() : 0L;
            long sysNow = cpu.getSystemCpuUsage() == null ? 0L : cpu.getSystemCpuUsage();
            long sysBefore = pre != null && pre.getSystemCpuUsage() != null ? pre.getSystemCpuUsage() : 0L;
            long cpus = cpu.getOnlineCpus() != null && cpu.getOnlineCpus() > 0 ? cpu.getOnlineCpus()
                    : cpu.getCpuUsage().getPercpuUsage() != null ? cpu.getCpuUsage().getPercpuUsage().size() : 1;
            double used = 0;
            long cpuDelta = cpuNow - cpuBefore;
            long sysDelta = sysNow - sysBefore;
            if (cpuDelta > 0 && sysDelta > 0) {
                used = (double) cpuDelta / sysDelta * cpus;
            }
            out.put("cpu_stats", Map.of("used_percent", used));
        }
        MemoryStatsConfig mem = s.getMemoryStats();
        if (mem != null && mem.getUsage() != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            long limit = mem.getLimit() == null ? 0 : mem.getLimit();
            m.put("total", limit);
            m.put("used", mem.getUsage());
            m.put("used_percent", limit > 0 ? (double) mem.getUsage() / limit : 0.0);
            out.put("mem_stats", m);
        }
        return out;
    }
}
