package io.baetyl.master.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.AppConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Native packages and runtime configs checked before start, on real files (module jars: e2e CheckIT). */
@Timeout(30)
class AppCheckTest {
    @TempDir
    Path work;

    @BeforeEach
    void packages() throws Exception {
        pkg("baetyl-function-python3", "bin/function-python3.py", true);
        Files.createSymbolicLink(work.resolve("var/db/baetyl/baetyl-function-python36"), Path.of("baetyl-function-python3"));
        pkg("broken-entry", "bin/run", false);
        Files.createDirectories(work.resolve("var/db/baetyl/sayhi-code"));
        Files.writeString(Files.createDirectories(work.resolve("var/db/baetyl/sayhi-conf")).resolve("service.yml"),
                "functions:\n  - {name: python36-sayhi, handler: index.handler, codedir: var/db/baetyl/function-sayhi}\n");
    }

    private void pkg(String name, String entry, boolean executable) throws Exception {
        Path dir = Files.createDirectories(work.resolve("var/db/baetyl").resolve(name));
        Files.writeString(dir.resolve("package.yml"), "entry: " + entry + "\n");
        Path e = dir.resolve(entry);
        Files.createDirectories(e.getParent());
        Files.writeString(e, "#!/bin/sh\n");
        Files.setPosixFilePermissions(e, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
    }

    private AppCheck.Report check(String yaml) {
        AppConfig app = AppConfigLoader.parse(yaml, "application.yml");
        List<String> names = List.copyOf(app.services.keySet());
        return AppCheck.run(work, "native", app, "application.yml",
                n -> "services[" + names.indexOf(n) + "] (" + n + ")");
    }

    @Test
    void theDocsImageNameFindsTheInstalledPackageAndItsConfigIsChecked() {
        AppCheck.Report r = check("""
                version: v0
                services:
                  - name: function-python36-sayhi
                    image: hub.baidubce.com/baetyl/baetyl-function-python36
                    mounts:
                      - {name: sayhi-conf, path: etc/baetyl, readonly: true}
                      - {name: sayhi-code, path: var/db/baetyl/function-sayhi, readonly: true}
                volumes:
                  - {name: sayhi-conf, path: var/db/baetyl/sayhi-conf}
                  - {name: sayhi-code, path: var/db/baetyl/sayhi-code}
                """);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(r.ok()).isTrue();
    }

    @Test
    void everyProblemIsOneLineNamingTheServiceAndWhatToDo() throws Exception {
        Files.writeString(work.resolve("var/db/baetyl/sayhi-conf/service.yml"),
                "functions:\n  - {name: a, handler: nodot, codedir: x}\n");
        AppCheck.Report r = check("""
                version: v0
                services:
                  - name: mosquitto
                    image: eclipse-mosquitto:1.6
                  - name: py27
                    image: baetyl-function-python27
                    mounts:
                      - {name: py27-bin, path: lib/baetyl/baetyl-function-python27, readonly: true}
                  - name: broken
                    image: broken-entry
                  - name: py3
                    image: baetyl-function-python3
                    mounts:
                      - {name: sayhi-conf, path: etc/baetyl, readonly: true}
                  - name: noconf
                    image: baetyl-function-python3
                volumes:
                  - {name: py27-bin, path: var/db/baetyl/baetyl-function-python27}
                  - {name: sayhi-conf, path: var/db/baetyl/sayhi-conf}
                """);
        assertThat(r.errors()).containsExactly(
                "application.yml: services[0] (mosquitto).image 'eclipse-mosquitto:1.6': no native package: "
                        + "var/db/baetyl/eclipse-mosquitto/package.yml not found and no volume is mounted at "
                        + "lib/baetyl/eclipse-mosquitto/1.6 (the docs' example of a Docker Hub image (chapter 17): run it "
                        + "in docker mode, or in native mode give it a package (a dir with package.yml, entry: a script "
                        + "that execs mosquitto))",
                "application.yml: services[1] (py27).image 'baetyl-function-python27': the package dir "
                        + "var/db/baetyl/baetyl-function-python27 (volume 'var/db/baetyl/baetyl-function-python27' mounted "
                        + "at /lib/baetyl/baetyl-function-python27) does not exist (this project's module; "
                        + "scripts/install.sh installs it (every module, and the docs' runtime names))",
                "application.yml: services[1] (py27): the module reads etc/baetyl/service.yml, but no volume of "
                        + "service 'py27' is mounted at etc/baetyl",
                "application.yml: services[2] (broken).image 'broken-entry': var/db/baetyl/broken-entry/package.yml: "
                        + "entry 'bin/run' is not executable (chmod +x var/db/baetyl/broken-entry/bin/run)",
                "var/db/baetyl/sayhi-conf/service.yml (service py3): functions[0].handler: must be module.function, "
                        + "got 'nodot'",
                "application.yml: services[4] (noconf): the module reads etc/baetyl/service.yml, but no volume of "
                        + "service 'noconf' is mounted at etc/baetyl");
    }

    @Test
    void aCodedirThatIsNotThereIsAWarningBeforeStart() {
        AppCheck.Report r = check("""
                version: v0
                services:
                  - name: py3
                    image: baetyl-function-python3
                    mounts:
                      - {name: sayhi-conf, path: etc/baetyl, readonly: true}
                      - {name: code, path: var/db/baetyl/function-sayhi, readonly: true}
                volumes:
                  - {name: sayhi-conf, path: var/db/baetyl/sayhi-conf}
                  - {name: code, path: var/db/baetyl/not-there}
                """);
        assertThat(r.ok()).isTrue();
        assertThat(r.warnings()).containsExactly("var/db/baetyl/sayhi-conf/service.yml (service py3): "
                + "functions[0].codedir: var/db/baetyl/function-sayhi (function python36-sayhi) does not exist on the "
                + "host (var/db/baetyl/not-there)");
    }

    @Test
    void aBaetyl0xNameSaysWhichNameToUse() {
        AppCheck.Report r = check("services: [{name: hub, image: openedge-hub, replica: 1}]\n");
        assertThat(r.errors()).singleElement().asString().endsWith("(the Baetyl 0.x (OpenEdge) name of baetyl-hub: "
                + "use image: baetyl-hub)");
    }

    @Test
    void packageNamesOfTheDocsImages() {
        assertThat(NativePackages.packageName("hub.baidubce.com/baetyl/baetyl-function-python36:0.1.6-opencv41"))
                .isEqualTo("baetyl-function-python36");
        assertThat(NativePackages.packageName("baetyl-hub")).isEqualTo("baetyl-hub");
        assertThat(NativePackages.packageName("registry:5000/x/baetyl-hub@sha256:abc")).isEqualTo("baetyl-hub");
        assertThat(NativePackages.packageName("hub.baidubce.com/")).isNull();
        assertThat(NativePackages.packagePath("hub.baidubce.com/baetyl/baetyl-hub:latest"))
                .isEqualTo("hub.baidubce.com/baetyl/baetyl-hub/latest");
    }
}
