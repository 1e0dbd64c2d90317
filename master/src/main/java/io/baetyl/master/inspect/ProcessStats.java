package io.baetyl.master.inspect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU and memory of one process for the inspect document of native instances:
 * {@code {cpu_stats:{time, used_percent}, mem_stats:{time, used, swap_used, used_percent}}}, or {@code {error}} when
 * the process is gone. Like gopsutil's {@code CPUPercent}, CPU usage is the average over the process lifetime
 * (user + system time divided by wall time since start, so it can exceed 100 on several cores).
 */
public final class ProcessStats {
    private ProcessStats() {
    }

    public static Map<String, Object> of(long pid) {
        return of(new ProcFs(Path.of("/proc")), pid);
    }

    /**
     * Nanoseconds the threads of a live process have run or waited to run so far (the first two fields of each
     * {@code /proc/PID/task/TID/schedstat}), so that a process starved by a busy machine does not look idle; -1 when
     * it is gone or the kernel keeps no scheduler statistics.
     */
    public static long busyNanos(long pid) {
        return busyNanos(Path.of("/proc", Long.toString(pid), "task"));
    }

    static long busyNanos(Path taskDir) {
        long sum = 0;
        boolean any = false;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(taskDir)) {
            for (Path task : tasks) {
                String line;
                try {
                    line = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII);
                } catch (NoSuchFileException e) {
                    continue; // the thread ended while we listed them
                }
                String[] f = line.trim().split(" ");
                sum += Long.parseLong(f[0]) + Long.parseLong(f[1]);
                any = true;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return any ? sum : -1;
    }

    /**
     * The fields after the command name. The command name (field 2) is in parentheses and may itself hold spaces or
     * ')': parse after the last ')'. f[0] is field 3 (state), so field n is f[n - 3].
     */
    private static String[] statFields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    }

    static Map<String, Object> of(ProcFs proc, long pid) {
        String stat;
        Map<String, Long> status;
        try {
            stat = proc.read(pid + "/stat");
            status = ProcFs.parseKeyValueKb(proc.read(pid + "/status"));
        } catch (NoSuchFileException e) {
            return Map.of("error", "process (" + pid + ") not found");
        } catch (IOException e) {
            return Map.of("error", "process (" + pid + "): " + e.getMessage());
        }

        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("time", ProcFs.now());
        try {
            String[] f = statFields(stat);
            long utime = Long.parseLong(f[14 - 3]);
            long stime = Long.parseLong(f[15 - 3]);
            long startTicks = Long.parseLong(f[22 - 3]);
            double cpuSeconds = (double) (utime + stime) / ProcFs.CLOCK_TICKS;
            double alive = proc.uptimeSeconds() - (double) startTicks / ProcFs.CLOCK_TICKS;
            cpu.put("used_percent", alive > 0 ? ProcFs.percent(cpuSeconds, alive) : 0.0);
        } catch (IOException | RuntimeException e) {
            cpu.put("error", "cannot read cpu usage: " + e.getMessage());
        }

        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("time", ProcFs.now());
        long rss = status.getOrDefault("VmRSS", 0L);
        mem.put("used", rss);
        mem.put("swap_used", status.getOrDefault("VmSwap", 0L));
        try {
            long total = ProcFs.parseKeyValueKb(proc.read("meminfo")).getOrDefault("MemTotal", 0L);
            mem.put("used_percent", ProcFs.percent(rss, total));
        } catch (IOException e) {
            mem.put("error", "cannot read total memory: " + e.getMessage());
        }

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cpu_stats", cpu);
        out.put("mem_stats", mem);
        return out;
    }
}
