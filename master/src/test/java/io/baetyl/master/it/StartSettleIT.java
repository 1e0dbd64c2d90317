package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.Test;

/**
 * The master spaces a start: the next service starts once the one before has settled (conf.yml {@code start_settle}).
 * The first service spins one core as a starting JVM does, then records "ready".
 */
class StartSettleIT extends MasterITBase {
    private static String app(int busyMs) {
        return """
                version: v0
                services:
                  - name: starter
                    image: recorder
                    replica: 1
                    env: {BUSY_MS: '%d'}
                    mounts:
                      - {name: pkg, path: lib/baetyl/recorder, readonly: true}
                  - name: follower
                    image: recorder
                    replica: 1
                    mounts:
                      - {name: pkg, path: lib/baetyl/recorder, readonly: true}
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                """.formatted(busyMs);
    }

    private void conf(String settle) throws Exception {
        baetyl.conf("""
                mode: native
                grace: 2s
                %s
                server: {address: unix://var/run/baetyl.sock}
                logger: {path: var/log/baetyl/baetyl.log, level: debug}
                """.formatted(settle));
    }

    private long at(String kind, String instance) {
        return Long.parseLong(baetyl.events(kind, instance).get(0)[3]);
    }

    @Test
    void theNextServiceStartsOnceTheOneBeforeHasSettled() throws Exception {
        conf(""); // the default, 2s
        baetyl.app(app(800));
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "follower").isEmpty());
        assertThat(baetyl.events("ready", "starter")).hasSize(1);
        assertThat(at("start", "follower")).isGreaterThanOrEqualTo(at("ready", "starter"));
        assertThat(baetyl.output()).contains("service=starter settled after");
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void zeroStartsThemAllAtOnceAsBaetylDoes() throws Exception {
        conf("start_settle: 0");
        baetyl.app(app(3000));
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "follower").isEmpty()
                && !baetyl.events("ready", "starter").isEmpty());
        // the starter spun for 3 s: the follower started while it did
        assertThat(at("start", "follower")).isLessThan(at("ready", "starter"));
        assertThat(baetyl.output()).doesNotContain("settled after");
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void aServiceThatStaysBusyHoldsTheNextBackForStartSettleAtMost() throws Exception {
        conf("start_settle: 500ms");
        baetyl.app(app(60_000));
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "follower").isEmpty());
        assertThat(baetyl.events("ready", "starter")).isEmpty();
        assertThat(baetyl.output()).contains("service=starter still busy after");
        assertThat(at("start", "follower") - at("start", "starter")).isGreaterThanOrEqualTo(500);
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void sigtermDuringASpacedStartStartsNothingMoreAndStopsAtOnce() throws Exception {
        conf("start_settle: 60s");
        baetyl.app(app(60_000));
        baetyl.startInBackground();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "starter").isEmpty()
                && baetyl.output().contains("service started: service=starter"));
        long asked = System.nanoTime();
        assertThat(baetyl.stop()).isZero();
        // well under start_settle: the wait ended at its next poll instead of running its 60 s
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - asked)).isLessThan(java.time.Duration.ofSeconds(30));
        assertThat(baetyl.events("start", "follower")).isEmpty();
        assertThat(baetyl.events("exit", "starter")).hasSize(1);
        assertThat(baetyl.output()).contains("not starting service=follower: the master is stopping");
    }
}
