package io.baetyl.master.engine.nativeengine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Recovery stops a live process only when pid, kernel start time and launch id all match the master's record. */
@Timeout(20)
class RecoveryRecordTest {
    private Process process;

    @AfterEach
    void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private Process start(String launchId) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sleep", "30");
        if (launchId != null) {
            pb.environment().put(NativeInstance.LAUNCH_ID_ENV, launchId);
        }
        process = pb.start();
        return process;
    }

    private static Map<String, Object> record(long pid, Object ticks, Object launchId) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", pid);
        p.put("name", "sleep");
        p.put("start", 1000);
        if (ticks != null) {
            p.put("start_ticks", ticks);
        }
        if (launchId != null) {
            p.put("launch_id", launchId);
        }
        return Map.of("process", p);
    }

    @Test
    void theRecordedProcessIsFound() throws Exception {
        Process p = start("L-1");
        long ticks = NativeInstance.startTicks(p.pid());
        assertThat(ticks).isPositive();
        assertThat(NativeInstance.findRecorded("svc", "svc", record(p.pid(), ticks, "L-1"))).isPresent();
    }

    @Test
    void aStrangerWithTheRecordedPidAndStartTimeButNoLaunchIdIsLeftAlone() throws Exception {
        Process p = start(null);
        long ticks = NativeInstance.startTicks(p.pid());
        assertThat(NativeInstance.findRecorded("svc", "svc", record(p.pid(), ticks, "L-1"))).isEmpty();
        assertThat(NativeInstance.findRecorded("svc", "svc", record(p.pid(), ticks, "L-2"))).isEmpty();
    }

    @Test
    void aRecycledPidOrAnOldRecordIsLeftAlone() throws Exception {
        Process p = start("L-1");
        long ticks = NativeInstance.startTicks(p.pid());
        assertThat(NativeInstance.findRecorded("svc", "svc", record(p.pid(), ticks - 1, "L-1"))).isEmpty();
        assertThat(NativeInstance.findRecorded("svc", "svc", record(p.pid(), null, null))).isEmpty();
        assertThat(NativeInstance.findRecorded("svc", "svc", Map.of("process", Map.of("id", "x")))).isEmpty();
        assertThat(p.isAlive()).isTrue();
    }
}
