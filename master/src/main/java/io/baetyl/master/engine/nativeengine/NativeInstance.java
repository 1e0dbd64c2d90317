package io.baetyl.master.engine.nativeengine;

import io.baetyl.master.engine.Instance;
import io.baetyl.master.inspect.ProcessStats;
import io.baetyl.master.security.LogSafe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A native instance: one OS process. Stop is SIGTERM, then SIGKILL after the grace period.
 *
 * <p>Its record, written when the master starts it, holds the pid, the kernel's start time of the process (clock
 * ticks since boot, exact and immune to clock changes), the program launched and a random launch id the master put
 * in the process's environment. After a crash, recovery stops a live process only when all of these match: a
 * recycled pid has another start time, and a stranger does not carry the launch id (the command line is no proof:
 * launchers exec java and shebang scripts replace argv[0], while the environment is kept).
 */
final class NativeInstance implements Instance {
    private static final Logger log = LoggerFactory.getLogger(NativeInstance.class);
    /** The environment variable carrying the launch id. */
    static final String LAUNCH_ID_ENV = "BAETYL_INSTANCE_LAUNCH_ID";

    private final String name;
    private final Process process;
    private final String processName;
    private final Path exe;
    private final String launchId;
    private final long startMillis;
    private final long startTicks;
    private final CompletableFuture<Integer> exited;

    NativeInstance(String name, Process process, Path exe, String launchId) {
        this.name = name;
        this.process = process;
        this.exe = exe;
        this.processName = exe.getFileName().toString();
        this.launchId = launchId;
        this.startMillis = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        this.startTicks = startTicks(process.pid());
        this.exited = process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> info() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", process.pid());
        p.put("name", processName);
        p.put("start", startMillis);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", name);
        info.put("process", p);
        return info;
    }

    @Override
    public Map<String, Object> record() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", process.pid());
        p.put("name", processName);
        p.put("start", startMillis);
        p.put("start_ticks", startTicks);
        p.put("exe", exe.toString());
        p.put("launch_id", launchId);
        return Map.of("process", p);
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public void stop(Duration grace) {
        terminate(process.toHandle(), grace);
    }

    @Override
    public Map<String, Object> stats() {
        return ProcessStats.of(process.pid());
    }

    @Override
    public long busyNanos() {
        return process.isAlive() ? ProcessStats.busyNanos(process.pid()) : -1;
    }

    /** SIGTERM, wait up to {@code grace}, SIGKILL; returns once the process is gone (or after a bounded wait). */
    static void terminate(ProcessHandle p, Duration grace) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("pid={} did not stop within grace={}ms, killing it", p.pid(), grace.toMillis());
        } catch (Exception e) {
            Thread.currentThread().interrupt();
        }
        p.destroyForcibly();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.error("pid={} still alive after SIGKILL", p.pid());
        }
    }

    /**
     * The live process a persisted {@link #record()} describes, when pid, start time and launch id all match;
     * otherwise empty, with a warning saying why a live process was left alone.
     */
    static Optional<ProcessHandle> findRecorded(String service, String instance, Map<String, Object> record) {
        if (!(record.get("process") instanceof Map<?, ?> p) || !(p.get("id") instanceof Number pidNumber)) {
            return Optional.empty();
        }
        long pid = pidNumber.longValue();
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty()) {
            return Optional.empty(); // it ended with the old master
        }
        String who = "pid=" + pid + " (recorded for instance=" + LogSafe.q(instance) + " of service="
                + LogSafe.q(service) + ")";
        if (!(p.get("start_ticks") instanceof Number ticks) || !(p.get("launch_id") instanceof String id) || id.isEmpty()) {
            log.warn("{} is alive but its record lacks the start time or launch id this master writes (an older "
                    + "master's record?); leaving it alone", who);
            return Optional.empty();
        }
        if (ticks.longValue() <= 0 || ticks.longValue() != startTicks(pid)) {
            log.warn("{} is alive but is not the recorded instance: its start time differs (a recycled pid); "
                    + "leaving it alone", who);
            return Optional.empty();
        }
        if (!environContains(pid, LAUNCH_ID_ENV + "=" + id)) {
            log.warn("{} is alive but is not the recorded instance: it does not carry the launch id the master gave "
                    + "it; leaving it alone", who);
            return Optional.empty();
        }
        return handle;
    }

    /** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot; -1 when unreadable. */
    static long startTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
            // comm (field 2) is in parentheses and may hold spaces or ')': fields resume after the last ')'.
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(rest[19]); // rest[0] is field 3
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Whether the process's initial environment holds exactly {@code entry} (KEY=VALUE). */
    private static boolean environContains(long pid, String entry) {
        try {
            byte[] env = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
            for (String e : new String(env, StandardCharsets.UTF_8).split("\0")) {
                if (e.equals(entry)) {
                    return true;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false; // not ours to read: not provably ours
        }
    }
}
