package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Paths from the API and from application.yml stay inside the working dir, after symlinks; what is refused is
 * named by key and value, and no file's content ever shows in an error, the log or inspect.
 */
class ConfinementIT extends MasterITBase {
    private static final String PASSWD_LINE = "root:x:0:0:root:/root:/bin/bash";
    private static final String PKG = "{name: pkg, path: lib/baetyl/recorder, readonly: true}";

    /** One v0 service line. */
    private static String svc(String name, String image, int replica, String... mounts) {
        return "  - {name: " + name + ", image: " + image + ", replica: " + replica + ", mounts: ["
                + String.join(", ", mounts) + "]}\n";
    }

    /** localhub, agent and dummy (replicas) and runtime (replica 0) with the recorder package, plus extras. */
    private static String app(String dummyExtraMount, String runtime, String extraVolumes) {
        return "services:\n" + svc("localhub", "recorder", 1, PKG) + svc("agent", "recorder", 1, PKG)
                + (dummyExtraMount == null ? svc("dummy", "recorder", 1, PKG) : svc("dummy", "recorder", 1, PKG, dummyExtraMount))
                + (runtime == null ? svc("runtime", "recorder", 0, PKG) : runtime)
                + "volumes:\n  - {name: pkg, path: var/db/baetyl/recorder}\n" + extraVolumes;
    }

    private void startApp() throws Exception {
        baetyl.app(app(null, null, ""));
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> Files.exists(baetyl.records.resolve("agent.env")));
    }

    private String appFile() throws Exception {
        return Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"));
    }

    @Test
    void anUpdatePathOutsideTheWorkingDirIsRefusedAndTheFileNeverRead() throws Exception {
        startApp();
        long hub = baetyl.pidOf("localhub");
        String before = appFile();
        try (HttpMasterClient agent = baetyl.clientAs("agent")) {
            assertThatThrownBy(() -> agent.updateSystem("t1", "APP", "/etc/passwd"))
                    .hasMessage("[400] path: '/etc/passwd' is outside the working dir " + baetyl.home.toRealPath());
            assertThatThrownBy(() -> agent.updateSystem("t2", "APP", "../../../../../../etc/passwd"))
                    .hasMessageStartingWith("[400] path: '../../../../../../etc/passwd' is outside the working dir");
            assertThatThrownBy(() -> agent.updateSystem("t3", "MST", "/etc/passwd"))
                    .hasMessageStartingWith("[400] path: '/etc/passwd' is outside the working dir");
            Map<String, Object> inspect = agent.inspectSystem();
            assertThat(String.valueOf(inspect.get("error"))).doesNotContain("root:");
        }
        // The agent following ota.log learns it too; nothing else happened.
        assertThat(baetyl.otaLog()).extracting(l -> l.get("step")).containsExactly("FAILURE", "FAILURE", "FAILURE");
        assertThat(appFile()).isEqualTo(before);
        assertThat(MasterHarness.alive(hub)).isTrue();
        assertThat(baetyl.events("start", "localhub")).hasSize(1);
        assertThat(Files.readString(baetyl.home.resolve("var/db/baetyl/ota.log")) + baetyl.output())
                .doesNotContain(PASSWD_LINE);
    }

    @Test
    void aFileInsideThatIsNotAnAppIsRefusedWithoutQuotingIt() throws Exception {
        startApp();
        String before = appFile();
        baetyl.write("var/db/baetyl/copied-passwd", Files.readString(Path.of("/etc/passwd")));
        try (HttpMasterClient agent = baetyl.clientAs("agent")) {
            agent.updateSystem("t1", "APP", "var/db/baetyl/copied-passwd");
            await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.otaLog().stream()
                    .anyMatch(l -> "FAILURE".equals(l.get("step"))));
            String error = String.valueOf(agent.inspectSystem().get("error"));
            assertThat(error).contains("not an application config").doesNotContain("root:");
        }
        assertThat(appFile()).isEqualTo(before);
        assertThat(Files.readString(baetyl.home.resolve("var/db/baetyl/ota.log")) + baetyl.output())
                .doesNotContain(PASSWD_LINE);
    }

    @Test
    void checkRejectsVolumePathsThatEscape_namingTheKey() throws Exception {
        baetyl.app(app(null, null, "  - {name: etc, path: /etc}\n"));
        MasterHarness.CommandResult abs = baetyl.run("check");
        assertThat(abs.code()).isEqualTo(1);
        assertThat(abs.output()).contains("application.yml: volumes[1].path: '/etc' is an absolute path")
                .doesNotContain("OK!");

        baetyl.app(app(null, null, "  - {name: up, path: ../../..}\n"));
        assertThat(baetyl.run("check").output())
                .contains("application.yml: volumes[1].path: '../../..' leads outside the working dir");

        baetyl.app("""
                version: "3"
                services:
                  a: {image: recorder, volumes: ["/etc:/etc/host"]}
                """);
        assertThat(baetyl.run("check").output())
                .contains("application.yml: services.a.volumes[0].source: '/etc' is an absolute path");
        assertThat(baetyl.startExpectingExit()).isEqualTo(1);
        assertThat(baetyl.events()).isEmpty();
    }

    @Test
    void aSymlinkPlantedInAWritableVolumeCannotLeadAnotherVolumeOutside() throws Exception {
        String dataVolume = "  - {name: data, path: var/db/baetyl/dummy-data}\n";
        baetyl.app(app("{name: data, path: data}", null, dataVolume));
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> Files.exists(baetyl.records.resolve("agent.env")));
        long hub = baetyl.pidOf("localhub");
        // What dummy can do in its writable volume: a link to /etc. (Written here by the test, as dummy would.)
        Files.createSymbolicLink(baetyl.home.resolve("var/db/baetyl/dummy-data/escape"), Path.of("/etc"));
        String escaping = app("{name: data, path: data}", svc("runtime", "recorder", 1, PKG, "{name: host, path: host-etc}"),
                dataVolume + "  - {name: host, path: var/db/baetyl/dummy-data/escape}\n");
        baetyl.write("var/db/baetyl/v2/application.yml", escaping);

        try (HttpMasterClient agent = baetyl.clientAs("agent")) {
            agent.updateSystem("t1", "APP", "var/db/baetyl/v2");
            await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.otaLog().stream()
                    .anyMatch(l -> "FAILURE".equals(l.get("step"))));
        }
        List<Map<String, Object>> ota = baetyl.otaLog();
        assertThat((String) ota.get(ota.size() - 1).get("error")).contains("volumes[2].path: "
                + "'var/db/baetyl/dummy-data/escape' is outside the working dir").contains("it resolves to /etc");
        assertThat(baetyl.events("start", "runtime")).isEmpty();
        assertThat(MasterHarness.alive(hub)).isTrue();
        assertThat(baetyl.events("start", "localhub")).hasSize(1);

        baetyl.write("var/db/baetyl/application.yml", escaping);
        assertThat(baetyl.run("check").output()).contains("volumes[2].path: 'var/db/baetyl/dummy-data/escape' is "
                + "outside the working dir");
    }

    @Test
    void aPackageEntryOutsideItsPackageIsNeverRun() throws Exception {
        startApp();
        long hub = baetyl.pidOf("localhub");
        Path pkg = baetyl.home.resolve("var/db/baetyl/evil");
        Files.createDirectories(pkg);
        Files.writeString(pkg.resolve("package.yml"), "entry: /bin/sh\n");
        Path pkg2 = baetyl.home.resolve("var/db/baetyl/evil2");
        Files.createDirectories(pkg2);
        Files.writeString(pkg2.resolve("package.yml"), "entry: ../recorder/bin/run.sh\n");
        String volumes = "  - {name: evil, path: var/db/baetyl/evil}\n  - {name: evil2, path: var/db/baetyl/evil2}\n";
        for (String[] c : new String[][] {{"evil", "/bin/sh"}, {"evil2", "../recorder/bin/run.sh"}}) {
            String mount = "{name: " + c[0] + ", path: lib/baetyl/" + c[0] + ", readonly: true}";
            baetyl.write("var/db/baetyl/" + c[0] + ".yml", app(null, svc("runtime", c[0], 1, mount), volumes));
            try (HttpMasterClient agent = baetyl.clientAs("agent")) {
                agent.updateSystem(c[0], "APP", "var/db/baetyl/" + c[0] + ".yml");
            }
            // refused by the check before anything stops or starts (FAILURE; the engine refuses it too)
            await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.otaLog().stream()
                    .anyMatch(l -> "FAILURE".equals(l.get("step")) && c[0].equals(l.get("trace"))));
            String error = (String) baetyl.otaLog().stream().filter(l -> c[0].equals(l.get("trace"))
                    && "FAILURE".equals(l.get("step"))).findFirst().orElseThrow().get("error");
            assertThat(error).contains("package.yml: entry '" + c[1] + "' must be a file inside the package directory "
                    + pkg.getParent().toRealPath().resolve(c[0]));
        }
        assertThat(baetyl.events("start", "runtime")).isEmpty();
        assertThat(MasterHarness.alive(hub)).isTrue();
        assertThat(baetyl.pidOf("localhub")).isEqualTo(hub);
    }
}
