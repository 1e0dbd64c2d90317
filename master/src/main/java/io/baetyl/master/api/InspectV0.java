package io.baetyl.master.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts the v1 inspect document into the shape Baetyl 0.x served on {@code GET /system/inspect}, for agents
 * older than the v1 API. Differences from v1, all inside {@code hardware}: {@code cpu_stats} only keeps
 * {@code used_percent}; {@code gpu_stats} is a list of {@code {id, model, mem_stat:{total, free, used_percent}}}
 * instead of {@code {gpus:[...]}}. Host, net, memory and disk stats, and every top-level key the old format knew,
 * pass through unchanged; top-level keys the old format did not know are dropped, as Go's typed decoding did.
 */
final class InspectV0 {
    private static final List<String> TOP_LEVEL = List.of("error", "time", "software", "services", "volumes");
    private static final List<String> HARDWARE_AS_IS = List.of("host_stats", "net_stats", "mem_stats", "disk_stats");

    private InspectV0() {
    }

    static Map<String, Object> fromV1(Map<String, Object> v1) {
        Map<String, Object> v0 = new LinkedHashMap<>();
        for (String key : TOP_LEVEL) {
            if (v1.containsKey(key)) {
                v0.put(key, v1.get(key));
            }
        }
        Map<String, Object> hardware = new LinkedHashMap<>();
        if (v1.get("hardware") instanceof Map<?, ?> hw) {
            for (String key : HARDWARE_AS_IS) {
                if (hw.get(key) != null) {
                    hardware.put(key, hw.get(key));
                }
            }
            // Go always emitted cpu_stats in v0, reduced to the usage figure (Go panicked when v1 had none; we don't).
            Map<String, Object> cpu = new LinkedHashMap<>();
            if (hw.get("cpu_stats") instanceof Map<?, ?> c && c.get("used_percent") != null) {
                cpu.put("used_percent", c.get("used_percent"));
            }
            hardware.put("cpu_stats", cpu);
            List<Map<String, Object>> gpus = new ArrayList<>();
            if (hw.get("gpu_stats") instanceof Map<?, ?> g && g.get("gpus") instanceof List<?> list) {
                for (Object item : list) {
                    if (item instanceof Map<?, ?> gpu) {
                        gpus.add(gpuV0(gpu));
                    }
                }
            }
            if (!gpus.isEmpty()) { // omitempty on the v0 slice
                hardware.put("gpu_stats", gpus);
            }
        }
        v0.put("hardware", hardware);
        return v0;
    }

    private static Map<String, Object> gpuV0(Map<?, ?> gpu) {
        Map<String, Object> out = new LinkedHashMap<>();
        putIfPresent(out, "id", gpu.get("index"));
        putIfPresent(out, "model", gpu.get("model"));
        Map<String, Object> mem = new LinkedHashMap<>();
        putIfPresent(mem, "total", gpu.get("mem_total"));
        putIfPresent(mem, "free", gpu.get("mem_free"));
        putIfPresent(mem, "used_percent", gpu.get("mem_used_percent"));
        out.put("mem_stat", mem);
        return out;
    }

    private static void putIfPresent(Map<String, Object> out, String key, Object value) {
        if (value != null) {
            out.put(key, value);
        }
    }
}
