package io.baetyl.master.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real figures from this machine must be plausible; parsing is checked on fixtures. */
@Timeout(30)
class HostStatsTest {
    private final HostStats stats = new HostStats();

    @Test
    void memStats_arePlausible() {
        Map<String, Object> mem = stats.memStats();

        assertThat(mem).doesNotContainKey("error").containsKeys("time", "swap_total", "swap_free", "swap_used",
                "swap_used_percent");
        long total = (long) mem.get("total");
        assertThat(total).isGreaterThan(64L * 1024 * 1024);
        assertThat((long) mem.get("free")).isBetween(0L, total);
        assertThat((long) mem.get("used")).isBetween(1L, total);
        assertThat((double) mem.get("used_percent")).isBetween(0.0, 100.0);
    }

    @Test
    void cpuStats_arePlausible_andUsageMovesBetweenCalls() {
        Map<String, Object> cpu = stats.cpuStats();

        assertThat(cpu).doesNotContainKey("error");
        assertThat((int) cpu.get("cores")).isPositive();
        assertThat((double) cpu.get("used_percent")).isBetween(0.0, 100.0);
        if (cpu.containsKey("mhz")) {
            assertThat((double) cpu.get("mhz")).isPositive();
        }
        // second call: measured since the first, no extra sleep
        assertThat((double) stats.cpuStats().get("used_percent")).isBetween(0.0, 100.0);
    }

    @Test
    void hostStats_arePlausible() {
        Map<String, Object> host = stats.hostStats();

        assertThat(host).doesNotContainKey("error");
        assertThat((String) host.get("hostname")).isNotBlank();
        assertThat((long) host.get("uptime")).isPositive();
        assertThat((long) host.get("boot_time")).isGreaterThan(1_000_000_000L); // after 2001
        assertThat((long) host.get("process_num")).isPositive();
        assertThat(host.get("os")).isEqualTo("linux");
        assertThat((String) host.get("kernel_version")).matches("\\d+\\.\\d+.*");
        assertThat(host.get("architecture")).isIn("amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64");
        assertThat((String) host.get("host_id")).isNotBlank();
        assertThat(host.get("host_id")).isEqualTo(HostStats.hostId());
    }

    @Test
    void netStats_listLoopback() {
        Map<String, Object> net = stats.netStats();

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> interfaces = (List<Map<String, Object>>) net.get("interfaces");
        assertThat(interfaces).isNotEmpty();
        Map<String, Object> lo = interfaces.stream().filter(i -> "lo".equals(i.get("name"))).findFirst().orElseThrow();
        assertThat((int) lo.get("index")).isPositive();
        assertThat(lo).doesNotContainKey("mac");
        assertThat(lo.get("addrs")).asList().contains(Map.of("network", "ip+net", "address", "127.0.0.1/8"));
    }

    @Test
    void diskStats_ofATempDir_arePlausible(@TempDir Path dir) {
        Map<String, Object> disk = stats.diskStats(dir);

        assertThat(disk).doesNotContainKey("error").containsEntry("path", dir.toString());
        long total = (long) disk.get("total");
        assertThat(total).isPositive();
        assertThat((long) disk.get("free")).isBetween(0L, total);
        assertThat((long) disk.get("used")).isBetween(0L, total);
        assertThat((double) disk.get("used_percent")).isBetween(0.0, 100.0);
        assertThat((String) disk.get("fstype")).isNotBlank();
        if (disk.containsKey("inodes_total")) {
            assertThat((long) disk.get("inodes_used")).isLessThanOrEqualTo((long) disk.get("inodes_total"));
        }
    }

    @Test
    void diskStats_ofAMissingPath_reportsTheError(@TempDir Path dir) {
        assertThat(stats.diskStats(dir.resolve("missing"))).containsKey("error");
    }

    @Test
    void hardware_hasEveryBlock_andSerializesWithNumbersAsNumbers(@TempDir Path dir) throws IOException {
        Map<String, Object> hw = HostStats.collect(dir);

        assertThat(hw).containsKeys("host_stats", "net_stats", "mem_stats", "cpu_stats", "disk_stats");
        assertThat(hw.containsKey("gpu_stats")).isEqualTo(HostCommands.onPath("nvidia-smi") != null);
        String json = new ObjectMapper().writeValueAsString(hw);
        assertThat(json).containsPattern("\"total\":\\d+").containsPattern("\"cores\":\\d+");
    }

    @Test
    void parseGpus_readsNvidiaSmiCsv_andSkipsUnsupportedLines() {
        String csv = "0, TITAN X (Pascal), 12189, 12187, 0, 3\n1, Tesla T4, [N/A], 100, 0, 0\n\n";

        assertThat(GpuStats.parseGpus(csv)).containsExactly(Map.of("index", "0", "model", "TITAN X (Pascal)",
                "mem_total", 12189L, "mem_free", 12187L, "mem_used_percent", 0.0, "gpu_used_percent", 3.0));
    }

    @Test
    void fixtureProc_memAndCpuInfoAreParsedLikeGopsutil(@TempDir Path root) throws IOException {
        Path proc = Files.createDirectories(root.resolve("proc"));
        Files.writeString(proc.resolve("meminfo"), """
                MemTotal:        1000 kB
                MemFree:          200 kB
                MemAvailable:     600 kB
                Buffers:          100 kB
                Cached:           150 kB
                SReclaimable:      50 kB
                SwapTotal:        400 kB
                SwapFree:         300 kB
                """);
        Files.writeString(proc.resolve("cpuinfo"), """
                processor\t: 0
                model name\t: Test CPU @ 2.00GHz
                cpu MHz\t\t: 1999.998
                cache size\t: 512 KB
                physical id\t: 0
                cpu cores\t: 2

                processor\t: 1
                model name\t: Other
                """);
        Files.writeString(proc.resolve("stat"), "cpu  100 0 50 800 50 0 0 0 0 0\nbtime 1555555555\n");
        HostStats fixture = new HostStats(proc, root.resolve("sys"), root.resolve("etc"));

        Map<String, Object> mem = fixture.memStats();
        assertThat(mem).containsEntry("total", 1024_000L).containsEntry("free", 204_800L)
                .containsEntry("used", 512_000L).containsEntry("used_percent", 50.0)
                .containsEntry("swap_used", 102_400L).containsEntry("swap_used_percent", 25.0);
        Map<String, Object> cpu = fixture.cpuStats();
        assertThat(cpu).containsEntry("model_name", "Test CPU @ 2.00GHz").containsEntry("mhz", 1999.998)
                .containsEntry("cache_size", 512).containsEntry("physical_id", "0").containsEntry("cores", 2)
                .containsEntry("used_percent", 0.0); // the fixture does not change between samples
    }

    @Test
    void platformFamily_followsGopsutilNames() {
        assertThat(HostStats.platformFamily("ubuntu", "debian")).isEqualTo("debian");
        assertThat(HostStats.platformFamily("centos", "rhel fedora")).isEqualTo("rhel");
        assertThat(HostStats.platformFamily("pop", "ubuntu debian")).isEqualTo("ubuntu");
        assertThat(HostStats.platformFamily("alpine", "")).isEqualTo("alpine");
    }
}
