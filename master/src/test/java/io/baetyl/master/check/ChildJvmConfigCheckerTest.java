package io.baetyl.master.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The modules' config check in a child JVM, with a module jar made here whose {@code ConfigCheck} answers with the
 * PID of the JVM it runs in (the real modules' jars: e2e CheckIT, through {@code baetyl start}).
 */
@Timeout(120)
class ChildJvmConfigCheckerTest {
    @TempDir
    Path dir;
    Path jar;

    @BeforeEach
    void moduleJar() throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/io/baetyl/sdk/config")).resolve("ConfigCheck.java");
        Files.writeString(src, """
                package io.baetyl.sdk.config;
                public final class ConfigCheck {
                    public static java.util.List<String> check(String type, String file, String display) {
                        if (type.equals("Boom")) {
                            throw new IllegalStateException("boom");
                        }
                        System.out.println("what a module prints must not reach the protocol");
                        return java.util.List.of("error: " + display + ": pid " + ProcessHandle.current().pid(),
                                "warning: " + type + " read " + file + " with a line\\nbreak and a \\\\ backslash");
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, "-d", classes.toString(), src.toString())).isZero();
        jar = dir.resolve("baetyl-test.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("io/baetyl/sdk/config/ConfigCheck.class"));
            out.write(Files.readAllBytes(classes.resolve("io/baetyl/sdk/config/ConfigCheck.class")));
            out.closeEntry();
        }
    }

    private List<ModuleConfigChecker.Request> requests() {
        return List.of(new ModuleConfigChecker.Request(jar, "a.Config", dir.resolve("a.yml"), "a.yml (service a)"),
                new ModuleConfigChecker.Request(jar, "Boom", dir.resolve("b.yml"), "b.yml (service b)"),
                new ModuleConfigChecker.Request(dir.resolve("no.jar"), "c.Config", dir.resolve("c.yml"), "c"));
    }

    @Test
    void theChecksRunInAChildJvmAndTheirLinesComeBackUnchanged() {
        List<List<String>> lines = new ChildJvmConfigChecker(dir, ChildJvmConfigChecker.defaultFlags()).check(requests());
        long own = ProcessHandle.current().pid();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).hasSize(2);
        assertThat(lines.get(0).get(0)).startsWith("error: a.yml (service a): pid ").doesNotEndWith("pid " + own);
        assertThat(lines.get(0).get(1)).isEqualTo("warning: a.Config read " + dir.resolve("a.yml")
                + " with a line\nbreak and a \\ backslash");
        assertThat(lines.get(1)).singleElement().asString().startsWith(ModuleConfigChecker.UNCHECKED)
                .contains("IllegalStateException: boom");
        assertThat(lines.get(2)).singleElement().asString().startsWith(ModuleConfigChecker.UNCHECKED);
        // the same lines as the check in this JVM gives, but for the PID
        List<List<String>> here = new InProcessConfigChecker().check(requests());
        assertThat(lines.get(0).get(1)).isEqualTo(here.get(0).get(1));
        assertThat(lines.subList(1, 3)).isEqualTo(here.subList(1, 3));
    }

    @Test
    void aChildThatCannotRunLeavesTheCheckToThisJvm() {
        List<List<String>> lines = new ChildJvmConfigChecker(dir, List.of("-XX:+NoSuchJvmFlag")).check(requests());
        assertThat(lines.get(0).get(0)).isEqualTo("error: a.yml (service a): pid " + ProcessHandle.current().pid());
        assertThat(lines.get(1)).singleElement().asString().contains("IllegalStateException: boom");
    }
}
