package io.baetyl.master.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ProcessStatsTest {
    @Test
    @SuppressWarnings("unchecked")
    void ofThisJvm_reportsRssAndCpu() {
        Map<String, Object> stats = ProcessStats.of(ProcessHandle.current().pid());

        Map<String, Object> cpu = (Map<String, Object>) stats.get("cpu_stats");
        Map<String, Object> mem = (Map<String, Object>) stats.get("mem_stats");
        assertThat(cpu).doesNotContainKey("error").containsKey("time");
        assertThat((double) cpu.get("used_percent")).isGreaterThan(0.0);
        assertThat(mem).doesNotContainKey("error");
        assertThat((long) mem.get("used")).isGreaterThan(10L * 1024 * 1024); // a JVM uses well over 10 MB
        assertThat((long) mem.get("swap_used")).isNotNegative();
        assertThat((double) mem.get("used_percent")).isBetween(0.0, 100.0);
    }

    @Test
    void ofAGoneProcess_isAnError() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long pid = p.pid();
        p.waitFor();

        assertThat(ProcessStats.of(pid)).containsOnlyKeys("error");
    }

    @Test
    @SuppressWarnings("unchecked")
    void commandNamesWithSpacesAndParens_areParsed(@TempDir Path root) throws IOException {
        Path proc = Files.createDirectories(root.resolve("42"));
        // comm "a) b" ; utime=300 stime=100 ticks; starttime=1000 ticks (10 s after boot); uptime 30 s
        Files.writeString(proc.resolve("stat"),
                "42 (a) b) S 1 42 42 0 -1 4194304 100 0 0 0 300 100 0 0 20 0 1 0 1000 1000000 250 0 0");
        Files.writeString(proc.resolve("status"), "Name:\ta) b\nVmRSS:\t    2048 kB\nVmSwap:\t       4 kB\n");
        Files.writeString(root.resolve("uptime"), "30.00 55.00\n");
        Files.writeString(root.resolve("meminfo"), "MemTotal:       8192 kB\n");

        Map<String, Object> stats = ProcessStats.of(new ProcFs(root), 42);

        assertThat((Map<String, Object>) stats.get("cpu_stats")).containsEntry("used_percent", 20.0); // 4 s / 20 s
        assertThat((Map<String, Object>) stats.get("mem_stats")).containsEntry("used", 2048L * 1024)
                .containsEntry("swap_used", 4096L).containsEntry("used_percent", 25.0);
    }

    @Test
    void busyNanosAddsRunAndWaitTimeOfEveryThread(@TempDir Path tmp) throws IOException {
        Path tasks = tmp.resolve("task");
        Files.createDirectories(tasks.resolve("41"));
        Files.createDirectories(tasks.resolve("42"));
        Files.writeString(tasks.resolve("41/schedstat"), "1000 200 7\n");
        Files.writeString(tasks.resolve("42/schedstat"), "30 4 1\n");
        assertThat(ProcessStats.busyNanos(tasks)).isEqualTo(1234);
        assertThat(ProcessStats.busyNanos(tmp.resolve("gone"))).isEqualTo(-1);
    }

    @Test
    void busyNanosGrowsAsAThreadWorks(@TempDir Path tmp) throws IOException {
        // This thread's own task directory: the sum over the whole JVM can shrink while the test spins, when another
        // thread (a compiler or an earlier test's) ends and its time leaves /proc/PID/task with it.
        Path tasks = tmp.resolve("task");
        Files.createDirectories(tasks);
        Files.createSymbolicLink(tasks.resolve("self"), Path.of("/proc/thread-self").toRealPath());
        long before = ProcessStats.busyNanos(tasks);
        long x = 0;
        for (long end = System.nanoTime() + 50_000_000; System.nanoTime() < end; ) {
            x += end % 7; // spin for 50 ms
        }
        assertThat(x).isNotNegative();
        assertThat(before).isPositive();
        assertThat(ProcessStats.busyNanos(tasks)).isGreaterThanOrEqualTo(before + 40_000_000);
        assertThat(ProcessStats.busyNanos(ProcessHandle.current().pid())).isPositive();
    }
}
