package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a user sees from `baetyl check`, `baetyl start`, `--help` and `version` when something is wrong (or right). */
class BadInputIT extends MasterITBase {
    private static final String GOOD_APP = """
            services:
              - name: a
                image: recorder
                replica: 1
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
            volumes:
              - {name: pkg, path: var/db/baetyl/recorder}
            """;

    @BeforeEach
    void setUp() throws Exception {
        baetyl.app(GOOD_APP);
    }

    @Test
    void checkPrintsOkForAValidInstall() throws Exception {
        MasterHarness.CommandResult r = baetyl.run("check");
        assertThat(r.output().trim()).isEqualTo("OK!");
        assertThat(r.code()).isZero();
    }

    @Test
    void checkNamesTheFileKeyAndValue() throws Exception {
        baetyl.conf("mode: kubernetes\n");
        assertError(baetyl.run("check"), "etc/baetyl/conf.yml: mode: must be native or docker, got 'kubernetes'");

        baetyl.conf("mode: native\nserver: {address: unix://x.sock\n");
        assertError(baetyl.run("check"), "etc/baetyl/conf.yml: invalid YAML");

        baetyl.conf("mode: native\n");
        baetyl.app("services: [{name: a, image: x}, {name: a, image: y}]\n");
        assertError(baetyl.run("check"), "application.yml: services[1].name: duplicate service name 'a'");

        baetyl.app("services: [{name: a, image: x, mounts: [{name: ghost, path: etc/baetyl}]}]\n");
        assertError(baetyl.run("check"), "services[0].mounts[0].name: volume 'ghost' of service 'a' is not defined under volumes");

        Files.delete(baetyl.home.resolve("var/db/baetyl/application.yml"));
        assertError(baetyl.run("check", "-w", baetyl.home.toString()), "var/db/baetyl/application.yml: file not found");
    }

    @Test
    void startRefusesAMalformedConfWithoutStartingAnything() throws Exception {
        baetyl.conf("mode: native\ngrace: [\n");
        assertThat(baetyl.startExpectingExit()).isEqualTo(1);
        assertThat(baetyl.output()).contains("etc/baetyl/conf.yml: invalid YAML");
        assertThat(baetyl.events()).isEmpty();
    }

    @Test
    void aPackageWithoutPackageYmlIsAStartupErrorNamingTheFile() throws Exception {
        Files.delete(baetyl.home.resolve("var/db/baetyl/recorder/package.yml"));
        assertThat(baetyl.startExpectingExit()).isEqualTo(1);
        // found before anything starts, one line naming the service, the image and the file
        assertThat(baetyl.output()).contains("var/db/baetyl/application.yml: services[0] (a).image 'recorder': "
                + "var/db/baetyl/recorder/package.yml not found (a native package needs package.yml with an entry)");
        assertThat(baetyl.output()).doesNotContain("\tat ");
        assertThat(baetyl.events()).isEmpty();
    }

    @Test
    void anEntryThatIsNotExecutableIsAStartupErrorNamingIt() throws Exception {
        Files.setPosixFilePermissions(baetyl.home.resolve("var/db/baetyl/recorder/bin/run.sh"),
                PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(baetyl.startExpectingExit()).isEqualTo(1);
        assertThat(baetyl.output()).contains("package.yml: entry 'bin/run.sh' is not executable");
    }

    @Test
    void anImageWithNoPackageIsAStartupError() throws Exception {
        baetyl.app("services: [{name: a, image: nothing-here, replica: 1}]\n");
        assertThat(baetyl.startExpectingExit()).isEqualTo(1);
        assertThat(baetyl.output()).contains("services[0] (a).image 'nothing-here': no native package: "
                + "var/db/baetyl/nothing-here/package.yml not found and no volume is mounted at lib/baetyl/nothing-here");
        assertThat(baetyl.events()).isEmpty();
    }

    @Test
    void helpAndVersion() throws Exception {
        MasterHarness.CommandResult help = baetyl.run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.output()).contains("start").contains("check").contains("version");
        MasterHarness.CommandResult startHelp = baetyl.run("start", "--help");
        assertThat(startHelp.output()).contains("-w, --workdir").contains("-c, --config");
        MasterHarness.CommandResult version = baetyl.run("version");
        assertThat(version.code()).isZero();
        assertThat(version.output()).containsPattern("Version: +1\\.0\\.0").contains("Git revision:");
        assertThat(baetyl.run("bogus").code()).isNotZero();
    }

    private static void assertError(MasterHarness.CommandResult r, String expected) {
        assertThat(r.code()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains(expected).doesNotContain("OK!");
    }
}
