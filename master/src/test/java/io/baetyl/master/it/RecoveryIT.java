package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        await().atMost(Duration.ofSeconds(10)).until(() -> baetyl.events().size() >= 2);
        long w0 = baetyl.pidOf("worker");
        long w1 = baetyl.pidOf("worker.i1");
        Path stats = baetyl.home.resolve("var/db/baetyl/application.stats");
        assertThat(Files.readString(stats)).contains("worker.i1").contains("id: " + w1);

        baetyl.master().destroyForcibly().waitFor();
        assertThat(MasterHarness.alive(w0)).as("kill -9 of the master leaves the instance").isTrue();

        baetyl.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> !MasterHarness.alive(w0) && !MasterHarness.alive(w1));
        await().atMost(Duration.ofSeconds(10)).until(() -> baetyl.events("start", "worker").size() == 2);
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
                    worker:
                      worker:
                        name: worker
                        process: {id: %d, name: run.sh, start: 1000}
                    """.formatted(stranger.pid()));
            baetyl.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> !baetyl.events("start", "worker").isEmpty());
            assertThat(stranger.isAlive()).isTrue();
            assertThat(baetyl.output()).contains("pid=" + stranger.pid() + " is alive but is not the recorded instance");
        } finally {
            stranger.destroyForcibly();
        }
    }
}
