package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Master OTA (type MST): check, swap, exit for a restart, commit at the next start or roll back. */
class MasterOtaIT extends MasterITBase {
    Path jar;

    @BeforeEach
    void setUp() throws Exception {
        // The candidate's check runs as nobody when the tests run as root: the install must be readable by it,
        // as an install under /usr/local or /opt is (JUnit makes its temporary dirs 0700).
        java.nio.file.Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        baetyl.conf("""
                mode: native
                grace: 2s
                server:
                  address: unix://var/run/baetyl.sock
                  update: {allowed: [svc]}
                logger: {path: var/log/baetyl/baetyl.log, level: debug}
                """);
        jar = baetyl.copyMasterJar();
        baetyl.app("""
                services:
                  - name: svc
                    image: recorder
                    replica: 1
                    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                """);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "svc").isEmpty());
        // The "new" master: the same build, delivered as an install tree like the agent downloads.
        Path newTree = baetyl.home.resolve("var/db/baetyl/mst-v2");
        Files.createDirectories(newTree.resolve("lib/baetyl"));
        Files.copy(MasterHarness.MASTER_JAR, newTree.resolve("lib/baetyl/baetyl-master.jar"));
    }

    @Test
    void aGoodMasterIsSwappedInAndCommittedAtTheNextStart() throws Exception {
        try (HttpMasterClient client = baetyl.clientAs("svc")) {
            client.updateSystem("mst-1", "MST", "var/db/baetyl/mst-v2");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> !baetyl.master().isAlive());
        assertThat(baetyl.master().exitValue()).isZero();
        assertThat(steps()).containsExactly("UPDATING", "RESTARTING");
        assertThat(jar.resolveSibling("baetyl-master.jar.old")).exists();

        baetyl.start(); // what systemd's Restart=always does
        await().atMost(MasterHarness.PATIENCE).until(() -> steps().contains("UPDATED"));
        assertThat(mstLines()).allSatisfy(m -> assertThat(m).containsEntry("trace", "mst-1"));
        assertThat(jar.resolveSibling("baetyl-master.jar.old")).doesNotExist();
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void aMasterThatFailsItsCheckChangesNothing() throws Exception {
        Files.writeString(baetyl.home.resolve("var/db/baetyl/mst-v2/lib/baetyl/baetyl-master.jar"), "not a jar");
        byte[] before = Files.readAllBytes(jar);
        try (HttpMasterClient client = baetyl.clientAs("svc")) {
            client.updateSystem("mst-2", "MST", "var/db/baetyl/mst-v2");
            await().atMost(Duration.ofSeconds(60)).until(() -> steps().contains("FAILURE"));
            assertThat((String) mstLines().get(1).get("error")).contains("not a Baetyl master jar: not a jar file");
            assertThat((String) client.inspectSystem().get("error")).contains("failed to update master");
        }
        assertThat(baetyl.master().isAlive()).isTrue();
        assertThat(Files.readAllBytes(jar)).isEqualTo(before);
        assertThat(jar.resolveSibling("baetyl-master.jar.old")).doesNotExist();
    }

    @Test
    void aNewMasterThatCannotStartPutsTheOldOneBack() throws Exception {
        try (HttpMasterClient client = baetyl.clientAs("svc")) {
            client.updateSystem("mst-3", "MST", "var/db/baetyl/mst-v2");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> !baetyl.master().isAlive());
        // Something about this install makes the new master fail to start.
        baetyl.app("services: [{name: svc, image: missing-package, replica: 1}]\n");
        assertThat(baetyl.startExpectingExit()).isEqualTo(1);
        assertThat(steps()).containsExactly("UPDATING", "RESTARTING", "ROLLEDBACK");
        assertThat((String) mstLines().get(2).get("error")).contains("the new master failed to start");
        assertThat(jar.resolveSibling("baetyl-master.jar.old")).doesNotExist();
        assertThat(jar).exists();
    }

    /** The MST steps (a start also logs its APP steps once ota.log exists, as Baetyl does). */
    private List<Map<String, Object>> mstLines() throws Exception {
        return baetyl.otaLog().stream().filter(m -> "MST".equals(m.get("type"))).toList();
    }

    private List<String> steps() throws Exception {
        return mstLines().stream().map(m -> (String) m.get("step")).toList();
    }
}
