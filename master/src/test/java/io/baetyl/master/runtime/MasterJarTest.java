package io.baetyl.master.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a master update must be before anything of it runs, and that a refused one leaves the running jar alone. */
@Timeout(30)
class MasterJarTest {
    @TempDir
    Path dir;

    private Path jar(String name, String mainClass, String... entries) throws Exception {
        Path p = dir.resolve(name);
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        try (OutputStream out = Files.newOutputStream(p); JarOutputStream jar = new JarOutputStream(out, m)) {
            for (String e : entries) {
                jar.putNextEntry(new JarEntry(e));
                jar.write(1);
                jar.closeEntry();
            }
        }
        return p;
    }

    @Test
    void onlyAJarOfThisProjectsMasterPasses() throws Exception {
        MasterJar.verifyIsMaster(jar("ok.jar", MasterJar.MAIN_CLASS, MasterJar.VERSION_FILE,
                "io/baetyl/master/cli/BaetylCommand.class"));

        assertThatThrownBy(() -> MasterJar.verifyIsMaster(jar("evil.jar", "Evil", "Evil.class")))
                .hasMessage("not a Baetyl master jar: its Main-Class is 'Evil', not io.baetyl.master.cli.BaetylCommand");
        assertThatThrownBy(() -> MasterJar.verifyIsMaster(jar("bare.jar", MasterJar.MAIN_CLASS)))
                .hasMessageContaining("lacks baetyl-version.properties");
        Path text = dir.resolve("text.jar");
        Files.writeString(text, "root:x:0:0:root:/root:/bin/bash\n");
        assertThatThrownBy(() -> MasterJar.verifyIsMaster(text)).hasMessageStartingWith("not a Baetyl master jar: not a jar")
                .hasMessageNotContaining("root:x");
    }

    @Test
    void aRefusedCandidateLeavesTheRunningJarAndNoStagedCopy() throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib/baetyl"));
        Path running = lib.resolve("baetyl-master.jar");
        Files.writeString(running, "the running master");
        Path evil = jar("evil.jar", "Evil", "Evil.class");

        assertThatThrownBy(() -> new MasterJar(running, dir, "etc/baetyl/conf.yml").apply(evil, "t"))
                .hasMessageContaining("not a Baetyl master jar");

        assertThat(Files.readString(running)).isEqualTo("the running master");
        try (var files = Files.list(lib)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("baetyl-master.jar");
        }
    }

    @Test
    void targetsNameAJarATreeOrItsLauncher() throws Exception {
        Path tree = dir.resolve("v2");
        Files.createDirectories(tree.resolve("lib/baetyl"));
        Files.createDirectories(tree.resolve("bin"));
        Files.writeString(tree.resolve("lib/baetyl/baetyl-master.jar"), "x");
        Path expected = tree.resolve("lib/baetyl/baetyl-master.jar");
        assertThat(MasterJar.candidateJar(tree)).isEqualTo(expected);
        assertThat(MasterJar.candidateJar(expected)).isEqualTo(expected);
        assertThat(MasterJar.candidateJar(tree.resolve("bin/baetyl"))).isEqualTo(expected);
        assertThatThrownBy(() -> MasterJar.candidateJar(dir.resolve("v2/other"))).hasMessageContaining("not a master jar");
    }

    @Test
    void asRoot_anInstallNobodyCannotReadIsRefusedBeforeTheCheckRuns() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.baetyl.master.security.Unprivileged.effectiveUid() == 0,
                "only root drops to nobody");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path install = Files.createDirectories(dir.resolve("private/baetyl"));
        Files.createDirectories(install.resolve("etc/baetyl"));
        Files.writeString(install.resolve("etc/baetyl/conf.yml"), "mode: native\n");
        Files.setPosixFilePermissions(dir.resolve("private"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path candidate = jar("ok.jar", MasterJar.MAIN_CLASS, MasterJar.VERSION_FILE);

        assertThatThrownBy(() -> new MasterJar(install.resolve("lib/baetyl/baetyl-master.jar"), install,
                "etc/baetyl/conf.yml").check(candidate))
                .hasMessage("the new master's check runs as uid 65534 (nobody), which cannot read " + dir.toRealPath()
                        .resolve("private") + ": install under a prefix others may read (as scripts/install.sh leaves "
                        + "/usr/local or /opt), or chmod o+rX the path");
    }
}
