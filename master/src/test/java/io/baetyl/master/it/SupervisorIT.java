package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Restart policies, retry.max and backoff, and the grace period between SIGTERM and SIGKILL. */
class SupervisorIT extends MasterITBase {
    private static String service(String name, String behaviour, String restart) {
        return "  - name: " + name + "\n"
                + "    image: recorder\n"
                + "    replica: 1\n"
                + "    env: {BEHAVIOUR: " + behaviour + "}\n"
                + "    restart: " + restart + "\n"
                + "    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]\n";
    }

    private static final String VOLUMES = "volumes:\n  - {name: pkg, path: var/db/baetyl/recorder}\n";

    @Test
    void onFailureRestartsWithGrowingBackoffUntilRetryMax() throws Exception {
        baetyl.app("services:\n"
                + service("crashy", "exit1", "{policy: on-failure, retry: {max: 2}, backoff: {min: 1s, max: 10s, factor: 2}}")
                + service("clean", "exit0", "{policy: on-failure}")
                + service("never", "exit1", "{policy: 'no'}")
                + VOLUMES);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.output().contains("gave up after 2 restarts"));
        List<String[]> starts = baetyl.events("start", "crashy");
        assertThat(starts).hasSize(3);
        long first = Long.parseLong(starts.get(0)[3]);
        long second = Long.parseLong(starts.get(1)[3]);
        long third = Long.parseLong(starts.get(2)[3]);
        assertThat(second - first).isBetween(1000L, 1900L);   // backoff.min
        assertThat(third - second).isBetween(2000L, 2900L);   // min * factor
        assertThat(baetyl.events("start", "clean")).hasSize(1);   // exit 0 is not a failure
        assertThat(baetyl.events("start", "never")).hasSize(1);
        // No further restart after giving up.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> baetyl.events("start", "crashy").size() == 3);
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void aRunLongerThanBackoffMaxResetsTheRetryCounter() throws Exception {
        // retry.max 1 would give up at the second crash; each run lasts 2s > backoff.max 1s, so it never does.
        baetyl.app("services:\n"
                + "  - name: daily\n    image: recorder\n    replica: 1\n"
                + "    env: {BEHAVIOUR: run-then-exit1, RUN_SECONDS: 2}\n"
                + "    restart: {policy: always, retry: {max: 1}, backoff: {min: 1s, max: 1s}}\n"
                + "    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]\n"
                + "  - name: flaky\n    image: recorder\n    replica: 1\n"
                + "    env: {BEHAVIOUR: exit1}\n"
                + "    restart: {policy: always, retry: {max: 1}, backoff: {min: 1s, max: 1s}}\n"
                + "    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]\n"
                + VOLUMES);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "daily").size() >= 4);
        assertThat(baetyl.output()).doesNotContain("gave up after 1 restarts (retry.max=1): service=daily");
        // The short-lived one is still given up on after one restart.
        assertThat(baetyl.events("start", "flaky")).hasSize(2);
        assertThat(baetyl.output()).contains("gave up after 1 restarts (retry.max=1): service=flaky");
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void alwaysRestartsEvenCleanExitsAndReportsRestarting() throws Exception {
        baetyl.app("services:\n"
                + service("looper", "exit0", "{policy: always, backoff: {min: 1s, max: 1s}}")
                + VOLUMES);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "looper").size() >= 3);
        assertThat(baetyl.output()).contains("restarting instance in 1s: service=looper instance=looper");
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void sigtermGivesEachInstanceTheGracePeriodThenKills() throws Exception {
        baetyl.app("services:\n"
                + service("polite", "run", "{}")
                + "  - name: stubborn\n    image: recorder\n    replica: 3\n    env: {IGNORE_TERM: 1}\n"
                + "    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]\n"
                + VOLUMES);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events().size() >= 4);
        long polite = baetyl.pidOf("polite");
        long stubborn = baetyl.pidOf("stubborn");
        long t0 = System.nanoTime();
        assertThat(baetyl.stop()).isZero();
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        // Three stubborn instances each wait out the 2s grace; in parallel that is 2s, one after another at least 6s
        // (the upper bound is below that, with room for a loaded machine).
        assertThat(tookMs).as("grace is 2s, instances stop in parallel").isBetween(1900L, 5900L);
        assertThat(baetyl.events("exit", "polite")).hasSize(1);    // handled SIGTERM itself
        assertThat(baetyl.events("term", "stubborn")).hasSize(1);  // got SIGTERM ...
        assertThat(baetyl.events("exit", "stubborn")).isEmpty();   // ... ignored it, and was killed
        assertThat(MasterHarness.alive(polite)).isFalse();
        assertThat(MasterHarness.alive(stubborn)).isFalse();
        assertThat(baetyl.output()).contains("did not stop within grace=2000ms, killing it");
    }
}
