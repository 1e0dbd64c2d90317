package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@code baetyl check} on a real install, for each app of issue 12 that used to pass check and then fail at start:
 * a missing native package, a name the docs use that is not shipped, a module service.yml that does not parse or
 * does not validate with the module's own rules (loaded from its installed jar), a hub without listener. Each one is
 * one clear line and exit 1; {@code start} refuses the same app with the same line and no stack trace. After each
 * case the install is put back, and check passes again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class CheckIT {
    private BaetylHome baetyl;
    private final Map<String, String> saved = new java.util.LinkedHashMap<>();

    @BeforeAll
    void install() throws Exception {
        baetyl = BaetylHome.install("check");
    }

    @AfterAll
    void remove() throws Exception {
        if (baetyl != null) {
            baetyl.close();
        }
    }

    @BeforeEach
    void theInstallPassesCheck() throws Exception {
        BaetylHome.Result ok = baetyl.run("check");
        assertThat(ok.status()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("OK!");
    }

    @AfterEach
    void restore() throws Exception {
        for (Map.Entry<String, String> e : saved.entrySet()) {
            baetyl.write(e.getKey(), e.getValue());
        }
        saved.clear();
    }

    private void edit(String relative, String text) throws Exception {
        saved.putIfAbsent(relative, Files.readString(baetyl.path(relative)));
        baetyl.write(relative, text);
    }

    private void editReplacing(String relative, String from, String to) throws Exception {
        String before = Files.readString(baetyl.path(relative));
        assertThat(before).contains(from);
        edit(relative, before.replace(from, to));
    }

    /** The error lines of a failed check: exactly one, and exit 1. */
    private String oneError() throws Exception {
        BaetylHome.Result r = baetyl.run("check");
        assertThat(r.status()).as(r.output()).isEqualTo(1);
        List<String> errors = Arrays.stream(r.output().split("\n")).filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as(r.output()).hasSize(1);
        assertThat(r.output()).doesNotContain("\tat ").doesNotContain("OK!");
        return errors.get(0);
    }

    @Test
    void aServiceWhosePackageIsNotInstalled() throws Exception {
        Path pkg = baetyl.path("var/db/baetyl/baetyl-timer");
        Path aside = baetyl.path("var/db/baetyl-timer.aside");
        Files.move(pkg, aside);
        try {
            assertThat(oneError()).isEqualTo("error: var/db/baetyl/application.yml: services[5] (timer).image "
                    + "'baetyl-timer': no native package: var/db/baetyl/baetyl-timer/package.yml not found and no volume "
                    + "is mounted at lib/baetyl/baetyl-timer (this project's module; scripts/install.sh installs it "
                    + "(every module, and the docs' runtime names))");
            // start refuses the same app with the same line, and starts nothing
            BaetylHome.Result start = baetyl.run("start");
            assertThat(start.status()).isEqualTo(1);
            assertThat(start.output()).contains("services[5] (timer).image 'baetyl-timer': no native package")
                    .doesNotContain("\tat ").doesNotContain("instance started");
        } finally {
            Files.move(aside, pkg);
        }
    }

    @Test
    void aDockerHubImageOfTheDocsIsNotAPackageAndSaysSo() throws Exception {
        String app = Files.readString(baetyl.path("var/db/baetyl/application.yml"));
        edit("var/db/baetyl/application.yml", app.replace("volumes:\n", """
                  - name: mosquitto
                    image: eclipse-mosquitto:1.6
                    replica: 1
                volumes:
                """));
        assertThat(oneError()).matches("error: var/db/baetyl/application.yml: services\\[\\d+] \\(mosquitto\\)\\.image "
                + "'eclipse-mosquitto:1.6': no native package: var/db/baetyl/eclipse-mosquitto/package.yml not found "
                + "and no volume is mounted at lib/baetyl/eclipse-mosquitto/1.6 \\(the docs' example of a Docker Hub "
                + "image \\(chapter 17\\): run it in docker mode, or in native mode give it a package \\(a dir with "
                + "package.yml, entry: a script that execs mosquitto\\)\\)");
    }

    @Test
    void aModuleServiceYmlThatDoesNotParse() throws Exception {
        editReplacing("var/db/baetyl/localhub-conf/service.yml", "listen:\n  - tcp://", "listen:\n\t- tcp://");
        assertThat(oneError()).startsWith("error: var/db/baetyl/localhub-conf/service.yml (service localhub): invalid "
                + "YAML: line 3, column 1 (\"\\t- tcp://127.0.0.1:").contains("found a tab character");
    }

    @Test
    void aModuleServiceYmlThatTheModulesOwnRulesRefuse() throws Exception {
        editReplacing("var/db/baetyl/function-manager-conf/service.yml", "      min: 0\n      max: 10\n",
                "      min: 5\n      max: 2\n");
        assertThat(oneError()).isEqualTo("error: var/db/baetyl/function-manager-conf/service.yml (service "
                + "function-manager): functions[1].instance.min: 5 is more than instance.max 2");
    }

    /**
     * The boot's remembered pass (master {@code PassedCheckCache}): a start after a passing one skips the modules'
     * config check, but a changed service.yml is checked again and refused, and the pass is not forgotten by it.
     */
    @Test
    void aStartSkipsTheModuleCheckOnlyWhileNothingChangedSinceItPassed() throws Exception {
        Path records = baetyl.path("var/db/baetyl/config-check.cache");
        Files.deleteIfExists(records); // another test's start may have left one
        baetyl.start();
        baetyl.close();
        int first = baetyl.output().length();
        assertThat(baetyl.output()).doesNotContain("module config check skipped");
        assertThat(records).isRegularFile();

        editReplacing("var/db/baetyl/function-manager-conf/service.yml", "      min: 0\n      max: 10\n",
                "      min: 5\n      max: 2\n");
        BaetylHome.Result refused = baetyl.run("start");
        assertThat(refused.status()).as(refused.output()).isEqualTo(1);
        assertThat(refused.output()).contains("var/db/baetyl/function-manager-conf/service.yml (service "
                + "function-manager): functions[1].instance.min: 5 is more than instance.max 2")
                .contains("nothing was started").contains("1 of 5 config files changed since they last passed")
                .doesNotContain("module config check skipped").doesNotContain("instance started");

        restore();
        baetyl.start();
        baetyl.close();
        assertThat(baetyl.output().substring(first)).contains("module config check skipped: the 5 config files");
    }

    @Test
    void aHubWithAMisspelledListenOrNoneAtAll() throws Exception {
        editReplacing("var/db/baetyl/localhub-conf/service.yml", "listen:", "listens:");
        BaetylHome.Result r = baetyl.run("check");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.output()).contains("warning: var/db/baetyl/localhub-conf/service.yml (service localhub): "
                + "unknown key 'listens' ignored");
        assertThat(oneError()).isEqualTo("error: var/db/baetyl/localhub-conf/service.yml (service localhub): listen: "
                + "no listener, the hub would accept no client (add for example listen: [tcp://0.0.0.0:1883])");
        edit("var/db/baetyl/localhub-conf/service.yml", "");
        assertThat(oneError()).endsWith("listen: no listener, the hub would accept no client (add for example "
                + "listen: [tcp://0.0.0.0:1883])");
    }

    @Test
    void aRuntimeWhoseCodeIsNotThereIsAWarning() throws Exception {
        editReplacing("var/db/baetyl/function-sayhi-conf/service.yml", "codedir: 'var/db/baetyl/function-sayhi'",
                "codedir: 'var/db/baetyl/function-sayhello'");
        // a warning: the runtime starts on demand and answers that function's calls with an error
        BaetylHome.Result r = baetyl.run("check");
        assertThat(r.status()).as(r.output()).isZero();
        assertThat(r.output()).contains("warning: var/db/baetyl/function-sayhi-conf/service.yml (service "
                + "function-python3-sayhi): functions[0].codedir: var/db/baetyl/function-sayhello (function "
                + "python3-sayhi) is not inside any volume of the service").contains("OK!");
    }

    @Test
    void aBrokenApplicationYml() throws Exception {
        editReplacing("var/db/baetyl/application.yml", "    replica: 1\n    mounts:\n      - name: localhub-conf",
                "    replica: 1\n   mounts:\n      - name: localhub-conf");
        assertThat(oneError()).startsWith("error: ").contains("application.yml: invalid YAML: line ")
                .contains("expected <block end>, but found");
    }
}
