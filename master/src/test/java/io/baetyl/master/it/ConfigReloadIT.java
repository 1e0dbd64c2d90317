package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.Test;

/**
 * SIGHUP after a config file was edited in place: application.yml is unchanged, so only the content of the
 * service's read-only volume tells that it must restart. Exactly that service restarts, the log says why, and the
 * others keep their processes.
 */
class ConfigReloadIT extends MasterITBase {
    @Test
    void sighupAfterAnInPlaceConfigEditRestartsExactlyThatService() throws Exception {
        baetyl.write("var/db/baetyl/a-conf/service.yml", "interval: 1s\n");
        baetyl.write("var/db/baetyl/b-conf/service.yml", "interval: 1s\n");
        baetyl.app("""
                version: v0
                services:
                  - name: a
                    image: recorder
                    replica: 1
                    mounts:
                      - {name: a-conf, path: etc/baetyl, readonly: true}
                      - {name: a-data, path: var/db/baetyl/data}
                  - name: b
                    image: recorder
                    replica: 1
                    mounts:
                      - {name: b-conf, path: etc/baetyl, readonly: true}
                volumes:
                  - {name: a-conf, path: var/db/baetyl/a-conf}
                  - {name: a-data, path: var/db/baetyl/a-data}
                  - {name: b-conf, path: var/db/baetyl/b-conf}
                """);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "a").isEmpty()
                && !baetyl.events("start", "b").isEmpty());
        long a = baetyl.pidOf("a");
        long b = baetyl.pidOf("b");

        // What a service writes to its writable volume does not count.
        baetyl.write("var/db/baetyl/a-data/state", "written by a\n");
        hup();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.output().contains("application reloaded"));
        assertThat(baetyl.events("term", "a")).isEmpty();

        baetyl.write("var/db/baetyl/a-conf/service.yml", "interval: 2s\n"); // same size, in place
        hup();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "a").size() == 2);
        assertThat(baetyl.output()).contains("service restarted: service=a reason=read-only volume "
                + "var/db/baetyl/a-conf changed");
        assertThat(baetyl.events("term", "a")).hasSize(1);
        assertThat(baetyl.pidOf("a")).isNotEqualTo(a);
        assertThat(MasterHarness.alive(baetyl.pidOf("a"))).isTrue();
        // b kept running, untouched
        assertThat(baetyl.events("term", "b")).isEmpty();
        assertThat(baetyl.events("start", "b")).hasSize(1);
        assertThat(MasterHarness.alive(b)).isTrue();
        assertThat(baetyl.output()).doesNotContain("service restarted: service=b");
        assertThat(baetyl.stop()).isZero();
    }

    /**
     * nohup (or a script's background job) starts the master with SIGHUP ignored, and the JVM keeps a signal ignored
     * at its start ignored whatever handler is asked for; the launcher starts it with the default action instead.
     */
    @Test
    void aMasterStartedUnderNohupStillReloadsOnSighup() throws Exception {
        baetyl.write("var/db/baetyl/a-conf/service.yml", "interval: 1s\n");
        baetyl.app("""
                version: v0
                services:
                  - name: a
                    image: recorder
                    replica: 1
                    mounts:
                      - {name: a-conf, path: etc/baetyl, readonly: true}
                volumes:
                  - {name: a-conf, path: var/db/baetyl/a-conf}
                """);
        baetyl.wrapper = java.util.List.of("nohup");
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "a").isEmpty());
        assertThat(baetyl.output()).doesNotContain("SIGHUP was ignored");

        baetyl.write("var/db/baetyl/a-conf/service.yml", "interval: 2s\n");
        hup();
        // the master logs the reload after the restarted instance has recorded its start
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "a").size() == 2
                && baetyl.output().contains("application reloaded"));
        assertThat(baetyl.master().isAlive()).isTrue();
        assertThat(baetyl.stop()).isZero();
    }

    private void hup() throws Exception {
        new ProcessBuilder("kill", "-HUP", Long.toString(baetyl.master().pid())).start().waitFor();
    }
}
