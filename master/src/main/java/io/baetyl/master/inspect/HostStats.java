package io.baetyl.master.inspect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code hardware} part of the inspect document, read from {@code /proc}, {@code /sys} and {@code /etc} the way
 * Baetyl's gopsutil-based {@code utils/stat.go} reports it: {@code host_stats}, {@code net_stats},
 * {@code mem_stats}, {@code cpu_stats}, {@code disk_stats} and, when {@code nvidia-smi} is on the PATH,
 * {@code gpu_stats}. Every block carries its collection {@code time}, and an {@code error} instead of the figures it
 * could not read. Sizes are bytes, percentages 0-100, times seconds.
 *
 * <p>One instance should live as long as the master: CPU usage is the busy share since the previous call, as with
 * gopsutil's {@code cpu.Percent(0, false)}; the first call measures since the master made its stats ({@link CpuStats}).
 */
public final class HostStats {
    private static final Logger log = LoggerFactory.getLogger(HostStats.class);

    /** Shared by {@link #collect}, so successive inspects measure CPU usage between each other. */
    private static final HostStats SHARED = new HostStats();

    private final ProcFs proc;
    private final Path sys;
    private final Path etc;
    private final CpuStats cpu;

    public HostStats() {
        this(Path.of("/proc"), Path.of("/sys"), Path.of("/etc"));
    }

    /** For tests: read from fixture trees instead of the real filesystems. */
    HostStats(Path procRoot, Path sysRoot, Path etcRoot) {
        this.proc = new ProcFs(procRoot);
        this.sys = sysRoot;
        this.etc = etcRoot;
        this.cpu = new CpuStats(proc);
    }

    /** {@link #hardware(Path)} of a process-wide instance; what the master's inspect calls. */
    public static Map<String, Object> collect(Path diskPath) {
        return SHARED.hardware(diskPath);
    }

    /**
     * All hardware blocks.
     *
     * @param diskPath the filesystem to report in {@code disk_stats} (Baetyl reports "/")
     */
    public Map<String, Object> hardware(Path diskPath) {
        Map<String, Object> hw = new LinkedHashMap<>();
        hw.put("host_stats", hostStats());
        hw.put("net_stats", netStats());
        hw.put("mem_stats", memStats());
        hw.put("cpu_stats", cpuStats());
        hw.put("disk_stats", diskStats(diskPath));
        Map<String, Object> gpu = gpuStats();
        if (gpu != null) {
            hw.put("gpu_stats", gpu);
        }
        return hw;
    }

    /** hostname, uptime, boot_time, process_num, os, platform*, architecture, variant, kernel_version, host_id. */
    public Map<String, Object> hostStats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", ProcFs.now());
        try {
            m.put("hostname", firstLine(proc.read("sys/kernel/hostname")));
            m.put("uptime", (long) proc.uptimeSeconds());
            m.put("boot_time", bootTime());
            m.put("process_num", processCount());
            m.put("os", System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT));
            Map<String, String> release = osRelease();
            String platform = release.getOrDefault("ID", "");
            m.put("platform", platform);
            m.put("platform_family", platformFamily(platform, release.getOrDefault("ID_LIKE", "")));
            m.put("platform_version", platformVersion(platform, release));
            m.put("architecture", architecture());
            String variant = variant();
            if (!variant.isEmpty()) {
                m.put("variant", variant);
            }
            m.put("kernel_version", firstLine(proc.read("sys/kernel/osrelease")));
            m.put("host_id", hostId(proc.root(), sys, etc));
        } catch (IOException | RuntimeException e) {
            m.put("error", e.toString());
        }
        return m;
    }

    /** {@code interfaces: [{index, name, mac, addrs: [{network: "ip+net", address: "ip/prefix"}]}]}, by index. */
    public Map<String, Object> netStats() {
        return NetStats.collect();
    }

    /** See {@link CpuStats#collect()}. */
    public Map<String, Object> cpuStats() {
        return cpu.collect();
    }

    /**
     * total, free, used, used_percent and the swap equivalents. {@code used} excludes buffers and page cache, as
     * gopsutil computes it: {@code total - free - buffers - cached}.
     */
    public Map<String, Object> memStats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", ProcFs.now());
        try {
            Map<String, Long> mi = ProcFs.parseKeyValueKb(proc.read("meminfo"));
            long total = mi.getOrDefault("MemTotal", 0L);
            long free = mi.getOrDefault("MemFree", 0L);
            long cached = mi.getOrDefault("Cached", 0L) + mi.getOrDefault("SReclaimable", 0L);
            long used = Math.max(0, total - free - mi.getOrDefault("Buffers", 0L) - cached);
            long swapTotal = mi.getOrDefault("SwapTotal", 0L);
            long swapFree = mi.getOrDefault("SwapFree", 0L);
            long swapUsed = Math.max(0, swapTotal - swapFree);
            m.put("total", total);
            m.put("free", free);
            m.put("used", used);
            m.put("used_percent", ProcFs.percent(used, total));
            m.put("swap_total", swapTotal);
            m.put("swap_free", swapFree);
            m.put("swap_used", swapUsed);
            m.put("swap_used_percent", ProcFs.percent(swapUsed, swapTotal));
        } catch (IOException | RuntimeException e) {
            m.put("error", e.toString());
        }
        return m;
    }

    /** path, fstype, total, free (available to users), used, used_percent and inodes_* of the filesystem of path. */
    public Map<String, Object> diskStats(Path path) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", ProcFs.now());
        try {
            FileStore store = Files.getFileStore(path);
            long total = store.getTotalSpace();
            long free = store.getUsableSpace();
            long used = total - store.getUnallocatedSpace();
            m.put("path", path.toString());
            m.put("fstype", store.type());
            m.put("total", total);
            m.put("free", free);
            m.put("used", used);
            // Like df and gopsutil: the share of the space available to users, not counting root's reserve.
            m.put("used_percent", ProcFs.percent(used, used + free));
            long[] inodes = inodes(path);
            if (inodes != null) {
                long inodesUsed = inodes[0] - inodes[1];
                m.put("inodes_total", inodes[0]);
                m.put("inodes_used", inodesUsed);
                m.put("inodes_free", inodes[1]);
                m.put("inodes_used_percent", ProcFs.percent(inodesUsed, inodes[0]));
            }
        } catch (IOException | RuntimeException e) {
            m.put("path", path.toString());
            m.put("error", e.toString());
        }
        return m;
    }

    /** See {@link GpuStats#collect()}; null when nvidia-smi is not on the PATH. */
    public Map<String, Object> gpuStats() {
        return GpuStats.collect();
    }

    /**
     * The host fingerprint for {@code BAETYL_HOST_ID}: the DMI product UUID when readable (it usually needs root),
     * else the machine id, else the boot id, as gopsutil falls back.
     */
    public static String hostId() {
        return hostId(Path.of("/proc"), Path.of("/sys"), Path.of("/etc"));
    }

    static String hostId(Path procRoot, Path sysRoot, Path etcRoot) {
        for (Path p : List.of(sysRoot.resolve("class/dmi/id/product_uuid"), etcRoot.resolve("machine-id"),
                procRoot.resolve("sys/kernel/random/boot_id"))) {
            try {
                String v = firstLine(Files.readString(p, StandardCharsets.UTF_8)).toLowerCase(Locale.ROOT);
                if (!v.isEmpty()) {
                    return v;
                }
            } catch (IOException | RuntimeException ignored) {
                // try the next source
            }
        }
        return "";
    }

    // ---- parsing helpers, package-private for tests ----

    static String platformFamily(String id, String idLike) {
        switch (id) {
            case "debian", "ubuntu", "linuxmint", "raspbian":
                return "debian";
            case "rhel", "centos", "redhat", "oracle", "ol", "scientific", "amzn", "amazon", "xenserver",
                    "cloudlinux", "rocky", "almalinux":
                return "rhel";
            case "fedora":
                return "fedora";
            case "suse", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "sles":
                return "suse";
            case "gentoo":
                return "gentoo";
            case "arch", "archarm", "manjaro":
                return "arch";
            case "alpine":
                return "alpine";
            case "coreos":
                return "coreos";
            default:
                String like = idLike.trim();
                return like.isEmpty() ? id : like.split("\\s+")[0];
        }
    }

    // ---- internals ----

    private long bootTime() throws IOException {
        for (String line : proc.read("stat").split("\n")) {
            if (line.startsWith("btime ")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        return 0;
    }

    private long processCount() throws IOException {
        try (Stream<Path> s = Files.list(proc.root())) {
            return s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).count();
        }
    }

    private Map<String, String> osRelease() {
        Map<String, String> out = new HashMap<>();
        for (Path p : List.of(etc.resolve("os-release"), Path.of("/usr/lib/os-release"))) {
            try {
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim().replaceAll("^\"|\"$", ""));
                    }
                }
                return out;
            } catch (IOException ignored) {
                // try the next location
            }
        }
        return out;
    }

    private String platformVersion(String platform, Map<String, String> release) {
        if (platform.equals("debian")) { // gopsutil reports Debian's point release (12.5, not 12)
            try {
                String v = firstLine(Files.readString(etc.resolve("debian_version"), StandardCharsets.UTF_8));
                if (!v.isEmpty()) {
                    return v;
                }
            } catch (IOException ignored) {
                // fall back to os-release
            }
        }
        return release.getOrDefault("VERSION_ID", "");
    }

    /** GOARCH spelling, which Baetyl reports (amd64, arm64, arm, 386, ...). */
    static String architecture() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "386";
            default -> arch.startsWith("arm") ? "arm" : arch;
        };
    }

    /** The ARM variant as containerd's platforms package names it (v8 for arm64, v6/v7 for arm), else empty. */
    private String variant() {
        String arch = architecture();
        if (arch.equals("arm64")) {
            return "v8";
        }
        if (!arch.equals("arm")) {
            return "";
        }
        try {
            String v = CpuStats.firstCpuInfo(proc.read("cpuinfo")).getOrDefault("CPU architecture", "");
            return v.isEmpty() ? "" : "v" + v.replaceAll("[^0-9]", "");
        } catch (IOException e) {
            return "";
        }
    }

    /** {total, free} inodes from {@code stat -f}; the JDK has no statvfs inode counts. Null when unavailable. */
    private static long[] inodes(Path path) {
        Path stat = HostCommands.onPath("stat");
        if (stat == null) {
            return null;
        }
        try {
            String[] parts = HostCommands.run(stat.toString(), "-f", "-c", "%c %d", path.toString()).trim().split("\\s+");
            return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
        } catch (IOException | RuntimeException e) {
            log.debug("inode counts unavailable: path={}, error={}", path, e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
