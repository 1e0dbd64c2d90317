package io.baetyl.master.inspect;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code cpu_stats} block of the inspect document. Usage is the busy share of all CPUs since the previous call, as
 * with gopsutil's {@code cpu.Percent(0, false)}, whose first call measures since the program started: the first
 * sample is taken here, when the master makes its stats at start, so an inspect never sleeps (a module that inspects
 * while it starts, such as the function manager, used to wait {@link #FIRST_CPU_SAMPLE_MILLIS} for it). Only when that
 * sample could not be read does the first call sample for {@link #FIRST_CPU_SAMPLE_MILLIS}.
 */
final class CpuStats {
    static final long FIRST_CPU_SAMPLE_MILLIS = 200;

    private final ProcFs proc;
    private long[] lastCpuSample; // {total, busy} jiffies, guarded by this
    private double lastCpuPercent;

    CpuStats(ProcFs proc) {
        this.proc = proc;
        try {
            lastCpuSample = cpuSample();
        } catch (IOException | RuntimeException e) {
            lastCpuSample = null; // the first call samples instead
        }
    }

    /** mhz, cores, cache_size (KB), model_name, physical_id of the first CPU, and used_percent of all CPUs. */
    Map<String, Object> collect() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", ProcFs.now());
        try {
            Map<String, String> first = firstCpuInfo(proc.read("cpuinfo"));
            putNumber(m, "mhz", first.get("cpu MHz"), true);
            String cores = first.get("cpu cores");
            if (cores != null && cores.matches("\\d+")) {
                m.put("cores", Integer.parseInt(cores));
            } else { // no "cpu cores" line (ARM): count the processors instead
                m.put("cores", Runtime.getRuntime().availableProcessors());
            }
            String cache = first.get("cache size");
            if (cache != null) {
                putNumber(m, "cache_size", cache.replaceAll("(?i)\\s*KB$", "").trim(), false);
            }
            String model = first.getOrDefault("model name", first.get("Processor"));
            if (model != null) {
                m.put("model_name", model);
            }
            if (first.get("physical id") != null) {
                m.put("physical_id", first.get("physical id"));
            }
            m.put("used_percent", usedPercent());
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            m.put("error", e.toString());
        }
        return m;
    }

    /** The key/value pairs of the first processor block of {@code /proc/cpuinfo}. */
    static Map<String, String> firstCpuInfo(String cpuinfo) {
        Map<String, String> out = new HashMap<>();
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank()) {
                if (!out.isEmpty() && out.containsKey("processor")) {
                    break;
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return out;
    }

    private synchronized double usedPercent() throws IOException, InterruptedException {
        long[] now = cpuSample();
        if (lastCpuSample == null) {
            Thread.sleep(FIRST_CPU_SAMPLE_MILLIS);
            lastCpuSample = now;
            now = cpuSample();
        }
        long dTotal = now[0] - lastCpuSample[0];
        long dBusy = now[1] - lastCpuSample[1];
        if (dTotal > 0) {
            lastCpuPercent = Math.min(100.0, Math.max(0.0, ProcFs.percent(dBusy, dTotal)));
            lastCpuSample = now;
        } // else called again within one tick: keep the last figure
        return lastCpuPercent;
    }

    /** {total, busy} jiffies of the aggregate "cpu" line; guest time is already part of user time. */
    private long[] cpuSample() throws IOException {
        String line = HostStats.firstLine(proc.read("stat"));
        String[] f = line.trim().split("\\s+");
        long total = 0;
        long idle = 0;
        // user nice system idle iowait irq softirq steal (guest, guest_nice are inside user/nice)
        for (int i = 1; i < f.length && i <= 8; i++) {
            long v = Long.parseLong(f[i]);
            total += v;
            if (i == 4 || i == 5) {
                idle += v;
            }
        }
        return new long[] {total, total - idle};
    }

    private static void putNumber(Map<String, Object> m, String key, String text, boolean decimal) {
        if (text == null || text.isEmpty()) {
            return;
        }
        try {
            m.put(key, decimal ? (Object) Double.parseDouble(text) : (Object) Integer.parseInt(text));
        } catch (NumberFormatException ignored) {
            // left out, as omitempty would
        }
    }

}
