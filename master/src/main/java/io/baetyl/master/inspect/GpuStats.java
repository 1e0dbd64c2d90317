package io.baetyl.master.inspect;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The host's NVIDIA GPUs for inspect's {@code gpu_stats}, read with {@code nvidia-smi} as Baetyl did. */
final class GpuStats {
    private static final Logger log = LoggerFactory.getLogger(GpuStats.class);
    private static final String NVIDIA_SMI = "nvidia-smi";
    private static final String NV_QUERY = "--query-gpu=index,name,memory.total,memory.free,utilization.memory,"
            + "utilization.gpu";
    private static final String NV_FORMAT = "--format=csv,noheader,nounits";

    private GpuStats() {
    }

    /**
     * {@code {time, gpus: [{index, model, mem_total, mem_free, mem_used_percent, gpu_used_percent}]}} from
     * {@code nvidia-smi} (memory in MiB, as nvidia-smi reports it), or null when nvidia-smi is not on the PATH.
     */
    static Map<String, Object> collect() {
        Path smi = HostCommands.onPath(NVIDIA_SMI);
        if (smi == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", ProcFs.now());
        try {
            m.put("gpus", parseGpus(HostCommands.run(smi.toString(), NV_QUERY, NV_FORMAT)));
        } catch (IOException e) {
            m.put("error", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            m.put("error", "interrupted");
        }
        return m;
    }

    static List<Map<String, Object>> parseGpus(String csv) {
        List<Map<String, Object>> gpus = new ArrayList<>();
        for (String line : csv.split("\n")) {
            String[] parts = line.split(",");
            if (parts.length != 6) {
                continue;
            }
            try {
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("index", parts[0].trim());
                g.put("model", parts[1].trim());
                g.put("mem_total", Long.parseLong(parts[2].trim()));
                g.put("mem_free", Long.parseLong(parts[3].trim()));
                g.put("mem_used_percent", Double.parseDouble(parts[4].trim()));
                g.put("gpu_used_percent", Double.parseDouble(parts[5].trim()));
                gpus.add(g);
            } catch (NumberFormatException e) {
                // "[Not Supported]" and similar: skip the line, as Baetyl did
                log.debug("nvidia-smi line skipped: line={}", io.baetyl.master.security.LogSafe.q(line));
            }
        }
        return gpus;
    }
}
