package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A master update never runs as the master before it is validated: a jar that is not a master is refused without
 * running at all, and one that imitates a master but fails its check ran only without root, for the check.
 * Either way the running master, its jar and its services are untouched.
 */
class MasterUpdateValidationIT extends MasterITBase {
    private Path jar;
    private Path markers;
    private byte[] runningJar;

    @BeforeEach
    void setUp() throws Exception {
        // The check runs as nobody when the tests run as root: the install must be readable by it.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        markers = Files.createDirectories(tmp.resolve("markers"));
        Files.setPosixFilePermissions(markers, PosixFilePermissions.fromString("rwxrwxrwx"));
        jar = baetyl.copyMasterJar();
        runningJar = Files.readAllBytes(jar);
        baetyl.app("""
                services:
                  - {name: localhub, image: recorder, replica: 1, mounts: [{name: pkg, path: lib/baetyl/recorder}]}
                  - {name: agent, image: recorder, replica: 1, mounts: [{name: pkg, path: lib/baetyl/recorder}]}
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                """);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> Files.exists(baetyl.records.resolve("agent.env")));
    }

    /** A jar whose main class writes a marker named after the uid it runs as, prints a line and fails. */
    private Path evilJar(String name, String mainClass, boolean withVersionFile) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("evil-src/" + name));
        String pkg = mainClass.contains(".") ? mainClass.substring(0, mainClass.lastIndexOf('.')) : "";
        String simple = mainClass.substring(mainClass.lastIndexOf('.') + 1);
        Path java = src.resolve(simple + ".java");
        Files.writeString(java, (pkg.isEmpty() ? "" : "package " + pkg + ";\n") + """
                public class %s {
                    public static void main(String[] args) throws Exception {
                        Object uid = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
                        java.nio.file.Files.writeString(java.nio.file.Path.of("%s/%s-ran-as-" + uid), "x");
                        System.out.println("I am not a master");
                        System.exit(2);
                    }
                }
                """.formatted(simple, markers, name));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Path classes = Files.createDirectories(src.resolve("classes"));
        assertThat(javac.run(null, null, null, "-d", classes.toString(), java.toString())).isZero();
        Path out = baetyl.home.resolve("var/db/baetyl/" + name + ".jar");
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        try (OutputStream os = Files.newOutputStream(out); JarOutputStream jos = new JarOutputStream(os, m)) {
            String entry = mainClass.replace('.', '/') + ".class";
            jos.putNextEntry(new JarEntry(entry));
            jos.write(Files.readAllBytes(classes.resolve(entry)));
            jos.closeEntry();
            if (withVersionFile) {
                jos.putNextEntry(new JarEntry("baetyl-version.properties"));
                jos.write("version=9.9.9\n".getBytes());
                jos.closeEntry();
            }
        }
        return out;
    }

    private List<Map<String, Object>> mst() throws Exception {
        return baetyl.otaLog().stream().filter(l -> "MST".equals(l.get("type"))).toList();
    }

    private void update(String trace, String path) throws Exception {
        try (HttpMasterClient agent = baetyl.clientAs("agent")) {
            agent.updateSystem(trace, "MST", path);
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> mst().stream()
                .anyMatch(l -> trace.equals(l.get("trace")) && "FAILURE".equals(l.get("step"))));
    }

    private void assertRunningMasterUntouched(long hub) throws Exception {
        assertThat(baetyl.master().isAlive()).isTrue();
        assertThat(Files.readAllBytes(jar)).isEqualTo(runningJar);
        try (var files = Files.list(jar.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("baetyl-master.jar");
        }
        assertThat(MasterHarness.alive(hub)).isTrue();
        try (HttpMasterClient agent = baetyl.clientAs("agent")) {
            assertThat((String) agent.inspectSystem().get("error")).startsWith("failed to update master");
        }
    }

    @Test
    void aJarThatIsNotAMasterIsRefusedWithoutRunning() throws Exception {
        long hub = baetyl.pidOf("localhub");
        evilJar("foreign", "Evil", false);

        update("t1", "var/db/baetyl/foreign.jar");

        assertThat((String) mst().get(1).get("error"))
                .isEqualTo("not a Baetyl master jar: its Main-Class is 'Evil', not io.baetyl.master.cli.BaetylCommand");
        try (var files = Files.list(markers)) {
            assertThat(files).as("the jar never ran").isEmpty();
        }
        assertRunningMasterUntouched(hub);
    }

    @Test
    void aJarImitatingAMasterThatFailsItsCheckRanOnlyWithoutRoot() throws Exception {
        long hub = baetyl.pidOf("localhub");
        evilJar("imitation", "io.baetyl.master.cli.BaetylCommand", true);

        update("t2", "var/db/baetyl/imitation.jar");

        long uid = Long.parseLong(Files.readString(Path.of("/proc/self/status")).lines()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[2]);
        long expectedUid = uid == 0 ? 65534 : uid;
        try (var files = Files.list(markers)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("imitation-ran-as-" + expectedUid);
        }
        assertThat((String) mst().get(1).get("error")).isEqualTo("the new master failed its check on this install "
                + "(run as uid " + expectedUid + ", exit 2): I am not a master");
        assertRunningMasterUntouched(hub);
    }
}
