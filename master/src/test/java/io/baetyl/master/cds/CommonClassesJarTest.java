package io.baetyl.master.cds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CommonClassesJarTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void takesOnlyListedClassesThatEveryJarHoldsIdentically() throws IOException {
        Path a = jar("a.jar", "p.A", Map.of(
                "x/Same.class", "same", "x/Diff.class", "version 1", "x/OnlyA.class", "a",
                "x/Versioned.class", "v", "META-INF/versions/11/x/Versioned.class", "v11", "x/Unlisted.class", "u"));
        Path b = jar("b.jar", null, Map.of(
                "x/Same.class", "same", "x/Diff.class", "version 2", "x/Versioned.class", "v", "x/Unlisted.class", "u"));
        Path list = list("# comment", "@lambda-proxy x/Same run ()V", "x/Same", "x/Diff", "x/OnlyA", "x/Versioned",
                "x/Missing", "x/Same");

        int rc = run(list.toString(), dir.resolve("common.jar").toString(), a.toString(), b.toString());

        assertThat(rc).as(err.toString()).isZero();
        assertThat(out.toString()).contains("1 classes common to 2 jars");
        assertThat(entries(dir.resolve("common.jar"))).containsExactly(Map.entry("x/Same.class", "same"));
        assertThat(Files.readAllLines(dir.resolve("common.jar.lst"))).containsExactly("x/Same");
    }

    @Test
    void infoRecordsSizeTimeAndMainClassOfEachJarAsTheLaunchersStatThem() throws IOException {
        Path a = jar("a.jar", "p.A", Map.of("x/Same.class", "same"));
        Path b = jar("b.jar", null, Map.of("x/Same.class", "same"));

        assertThat(run(list("x/Same").toString(), dir.resolve("common.jar").toString(), a.toString(), b.toString()))
                .isZero();

        Path common = dir.resolve("common.jar").toRealPath();
        assertThat(Files.readAllLines(dir.resolve("common.jar.info"))).containsExactly(
                stat(common) + " - " + common, stat(a.toRealPath()) + " p.A " + a.toRealPath(),
                stat(b.toRealPath()) + " - " + b.toRealPath());
    }

    @Test
    void nothingInCommonIsAnErrorAndLeavesNoJarNorInfo() throws IOException {
        Path a = jar("a.jar", "p.A", Map.of("x/A.class", "a"));
        Path b = jar("b.jar", "p.B", Map.of("x/B.class", "b"));
        Files.writeString(dir.resolve("common.jar"), "an earlier one");
        Files.writeString(dir.resolve("common.jar.info"), "an earlier one");
        Files.writeString(dir.resolve("common.jar.lst"), "an earlier one");

        int rc = run(list("x/A", "x/B").toString(), dir.resolve("common.jar").toString(), a.toString(), b.toString());

        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains("error: no common classes jar").contains("none of the listed classes");
        assertThat(dir.resolve("common.jar")).doesNotExist();
        assertThat(dir.resolve("common.jar.info")).doesNotExist();
        assertThat(dir.resolve("common.jar.lst")).doesNotExist();
        assertThat(dir.resolve("common.jar.tmp")).doesNotExist();
    }

    @Test
    void aMissingJarOrListIsNamedInTheError() throws IOException {
        Path a = jar("a.jar", "p.A", Map.of("x/Same.class", "same"));

        assertThat(run(list("x/Same").toString(), dir.resolve("common.jar").toString(), a.toString(),
                dir.resolve("gone.jar").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("gone.jar");
        assertThat(run(dir.resolve("no.lst").toString(), dir.resolve("common.jar").toString(), a.toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("no.lst");
        assertThat(dir.resolve("common.jar")).doesNotExist();
    }

    @Test
    void tooFewArgumentsIsAUsageError() {
        assertThat(run("list", "out.jar")).isEqualTo(2);
        assertThat(err.toString()).contains("usage:");
    }

    private int run(String... args) {
        return CommonClassesJar.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path list(String... lines) throws IOException {
        return Files.write(dir.resolve("classes.lst"), List.of(lines));
    }

    private Path jar(String name, String main, Map<String, String> files) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Multi-Release", "true");
        if (main != null) {
            m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, main);
        }
        Path p = dir.resolve(name);
        try (OutputStream os = Files.newOutputStream(p); JarOutputStream jos = new JarOutputStream(os, m)) {
            for (Map.Entry<String, String> f : new TreeMap<>(files).entrySet()) {
                jos.putNextEntry(new JarEntry(f.getKey()));
                jos.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                jos.closeEntry();
            }
        }
        return p;
    }

    private static Map<String, String> entries(Path jar) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            return jf.stream().filter(e -> !e.getName().startsWith("META-INF/"))
                    .collect(Collectors.toMap(JarEntry::getName, e -> {
                        try (var in = jf.getInputStream(e)) {
                            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        } catch (IOException ex) {
                            throw new IllegalStateException(ex);
                        }
                    }));
        }
    }

    private static String stat(Path p) throws IOException {
        return Files.size(p) + " " + Files.getLastModifiedTime(p).to(TimeUnit.SECONDS);
    }
}
