package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A second {@code baetyl start} on a working dir whose master runs (a hand-run start next to systemd's) is refused
 * before it touches anything: the running master's services are neither stopped nor started again.
 */
class SecondMasterIT extends MasterITBase {
    private void install() throws Exception {
        baetyl.conf("""
                mode: native
                grace: 2s
                server: {address: unix://var/run/baetyl.sock}
                logger: {path: var/log/baetyl/baetyl.log, level: info}
                """);
        baetyl.app("""
                version: v0
                services:
                  - name: svc
                    image: recorder
                    replica: 1
                    mounts:
                      - {name: pkg, path: lib/baetyl/recorder, readonly: true}
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                """);
    }

    /** Runs a second {@code baetyl start} in the same dir; it must exit by itself (it is killed after 60 s). */
    private MasterHarness.CommandResult secondStart() throws Exception {
        Process p = new ProcessBuilder(baetyl.home.resolve("bin/baetyl").toString(), "start")
                .redirectErrorStream(true).start();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor(); // its services go with the temp dir's clean-up of the harness
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(exited).as("the second master exited by itself; its output:\n%s", out).isTrue();
        return new MasterHarness.CommandResult(p.exitValue(), out);
    }

    @Test
    void aSecondStartIsRefusedAndTheRunningMasterKeepsItsServices() throws Exception {
        install();
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "svc").isEmpty());
        String pid = Long.toString(baetyl.master().pid());
        assertThat(Files.readString(baetyl.home.resolve("var/run/baetyl.pid")).strip()).isEqualTo(pid);
        String socketBefore = Files.readAttributes(baetyl.home.resolve("var/run/baetyl.sock"),
                java.nio.file.attribute.BasicFileAttributes.class).fileKey().toString();

        MasterHarness.CommandResult second = secondStart();

        assertThat(second.code()).isEqualTo(1);
        assertThat(second.output()).contains("not starting: another master is running in this working dir (pid " + pid)
                .doesNotContain("master starting");
        // the running master's instance was not recovered (stopped) as an orphan, nor started twice
        assertThat(baetyl.events("exit", "svc")).isEmpty();
        assertThat(baetyl.events("start", "svc")).hasSize(1);
        assertThat(baetyl.master().isAlive()).isTrue();
        // its API socket is the same file, not one the second master unlinked and bound again
        assertThat(Files.readAttributes(baetyl.home.resolve("var/run/baetyl.sock"),
                java.nio.file.attribute.BasicFileAttributes.class).fileKey().toString()).isEqualTo(socketBefore);
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void aPidFileLeftByAKilledMasterDoesNotBlockTheNextStart() throws Exception {
        install();
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "svc").isEmpty());
        baetyl.master().destroyForcibly().waitFor();
        assertThat(baetyl.home.resolve("var/run/baetyl.pid")).exists();

        baetyl.start(); // recovers the killed master's instance, then starts its own
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "svc").size() == 2);
        assertThat(Files.readString(baetyl.home.resolve("var/run/baetyl.pid")).strip())
                .isEqualTo(Long.toString(baetyl.master().pid()));
        assertThat(baetyl.stop()).isZero();
    }
}
