package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.api.HttpMasterClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A master killed with SIGKILL leaves its instances running; the next master stops them before starting anew. */
class RecoveryIT extends MasterITBase {
    @BeforeEach
    void setUp() throws Exception {
        baetyl.app("""
                services:
                  - name: worker
                    image: recorder
                    replica: 2
                    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                """);
    }

    @Test
    void orphansOfAKilledMasterAreStoppedAtTheNextStart() throws Exception {
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events().size() >= 2);
        long w0 = baetyl.pidOf("worker");
        long w1 = baetyl.pidOf("worker.i1");
        Path stats = baetyl.home.resolve("var/db/baetyl/application.stats");
        assertThat(Files.readString(stats)).contains("\"worker.i1\"").contains("\"id\" : " + w1)
                .contains("\"launch_id\"").contains("\"start_ticks\"");

        baetyl.master().destroyForcibly().waitFor();
        assertThat(MasterHarness.alive(w0)).as("kill -9 of the master leaves the instance").isTrue();

        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !MasterHarness.alive(w0) && !MasterHarness.alive(w1));
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "worker").size() == 2);
        assertThat(baetyl.pidOf("worker")).isNotEqualTo(w0);
        assertThat(baetyl.events("term", "worker")).hasSize(1); // the orphan got SIGTERM first
        assertThat(baetyl.output()).contains("stopping orphan instance=worker of service=worker pid=" + w0);
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void aRecordedPidThatNowBelongsToAnotherProcessIsLeftAlone() throws Exception {
        // A process that is not ours, recorded under a pid with a different start time (a recycled pid).
        Process stranger = new ProcessBuilder("sleep", "60").start();
        try {
            baetyl.write("var/db/baetyl/application.stats", """
                    {"worker": {"worker": {"name": "worker",
                      "process": {"id": %d, "name": "run.sh", "start": 1000, "start_ticks": 1, "launch_id": "x"}}}}
                    """.formatted(stranger.pid()));
            baetyl.start();
            await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "worker").isEmpty());
            assertThat(stranger.isAlive()).isTrue();
            assertThat(baetyl.output()).contains("pid=" + stranger.pid() + " (recorded for instance=worker of "
                    + "service=worker) is alive but is not the recorded instance: its start time differs");
        } finally {
            stranger.destroyForcibly();
        }
    }

    @Test
    void aReportCannotMakeTheNextMasterKillAStranger() throws Exception {
        Process stranger = new ProcessBuilder("sleep", "120").start();
        try {
            baetyl.start();
            await().atMost(MasterHarness.PATIENCE).until(() -> Files.exists(baetyl.records.resolve("worker.env")));
            long w0 = baetyl.pidOf("worker");
            long startMillis = stranger.info().startInstant().orElseThrow().toEpochMilli();
            try (HttpMasterClient worker = baetyl.clientAs("worker")) {
                assertThatThrownBy(() -> worker.reportInstance("worker", "worker", Map.of("process",
                        Map.of("id", stranger.pid(), "name", "sleep", "start", startMillis))))
                        .hasMessage("[400] report: key 'process' is set by the master and cannot be reported");
                assertThat(ApiIT.instance(worker.inspectSystem(), "worker", "worker").get("process"))
                        .asString().contains("id=" + w0);
            }
            baetyl.master().destroyForcibly().waitFor();
            baetyl.start();
            await().atMost(MasterHarness.PATIENCE).until(() -> !MasterHarness.alive(w0));
            assertThat(stranger.isAlive()).isTrue();
        } finally {
            stranger.destroyForcibly();
        }
    }

    @Test
    void aStatsFileNamingAStrangerWithItsPidAndStartTimeStillCannotGetItKilled() throws Exception {
        // Someone who can write var/db/baetyl forges a record of a stranger: right pid, right kernel start time.
        Process stranger = new ProcessBuilder("sleep", "120").start();
        try {
            String stat = Files.readString(Path.of("/proc/" + stranger.pid() + "/stat"));
            long ticks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
            baetyl.write("var/db/baetyl/application.stats", """
                    {"worker": {"worker": {"process": {"id": %d, "name": "sleep", "start_ticks": %d,
                      "exe": "/bin/sleep", "launch_id": "guessed"}}}}
                    """.formatted(stranger.pid(), ticks));
            baetyl.start();
            await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "worker").isEmpty());
            assertThat(stranger.isAlive()).isTrue();
            assertThat(baetyl.output()).contains("pid=" + stranger.pid() + " (recorded for instance=worker of "
                    + "service=worker) is alive but is not the recorded instance: it does not carry the launch id");
        } finally {
            stranger.destroyForcibly();
        }
    }
}
