package io.baetyl.master.engine.nativeengine;

import io.baetyl.master.engine.Instance;
import io.baetyl.master.inspect.ProcessStats;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A native instance: one OS process. Stop is SIGTERM, then SIGKILL after the grace period. */
final class NativeInstance implements Instance {
    private static final Logger log = LoggerFactory.getLogger(NativeInstance.class);

    private final String name;
    private final Process process;
    private final String processName;
    private final long startMillis;
    private final CompletableFuture<Integer> exited;

    NativeInstance(String name, Process process, String processName) {
        this.name = name;
        this.process = process;
        this.processName = processName;
        this.startMillis = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
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
        // The start time tells a recycled pid from ours when recovering after a crash.
        p.put("start", startMillis);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", name);
        info.put("process", p);
        return info;
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

    /** The live process a persisted {@link #info()} describes, if the same process (pid and start time) still runs. */
    static Optional<ProcessHandle> findRecorded(Map<String, Object> info) {
        if (!(info.get("process") instanceof Map<?, ?> p) || !(p.get("id") instanceof Number pid)) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.longValue()).filter(ProcessHandle::isAlive);
        if (handle.isEmpty()) {
            return Optional.empty();
        }
        long recordedStart = p.get("start") instanceof Number n ? n.longValue() : 0L;
        Optional<Instant> actual = handle.get().info().startInstant();
        if (recordedStart == 0 || actual.isEmpty() || Math.abs(actual.get().toEpochMilli() - recordedStart) > 1000) {
            log.info("pid={} is alive but is not the recorded instance (start time differs); leaving it alone", pid);
            return Optional.empty();
        }
        return handle;
    }
}
