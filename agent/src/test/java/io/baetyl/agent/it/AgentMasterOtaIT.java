package io.baetyl.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.testcloud.OtaPublisher;
import io.baetyl.testcloud.TestCloud;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master OTA from the cloud: the agent downloads an install tree holding a real master build, the master checks
 * and swaps it in and exits (RESTARTING), is started again as systemd would, and the new agent reports UPDATED.
 */
@Timeout(300)
class AgentMasterOtaIT {
    static final String MARKER = "META-INF/baetyl-ota-test-marker";

    @TempDir
    Path tmp;
    TestCloud cloud;
    AgentHome baetyl;

    @BeforeEach
    void setUp() throws Exception {
        // The master checks a candidate master as `nobody` when it runs as root: the install must be readable by
        // others, as install.sh lays it out (JUnit's temp dir is 0700).
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        cloud = CloudFixture.start(tmp.resolve("cloud"));
        baetyl = new AgentHome(tmp, cloud, "2s");
    }

    @AfterEach
    void tearDown() {
        if (baetyl != null) {
            baetyl.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    /** The new master: this build's jar with one extra entry, so that the test can tell it from the old one. */
    private Path newMasterTree() throws Exception {
        Path tree = tmp.resolve("src/master-v2");
        Files.createDirectories(tree.resolve("bin"));
        Files.createDirectories(tree.resolve("lib/baetyl"));
        Files.copy(AgentHome.REPO.resolve("scripts/baetyl"), tree.resolve("bin/baetyl"));
        Files.setPosixFilePermissions(tree.resolve("bin/baetyl"), PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ZipFile in = new ZipFile(AgentHome.MASTER_JAR.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tree.resolve("lib/baetyl/baetyl-master.jar")))) {
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream is = in.getInputStream(e)) {
                    is.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry(MARKER));
            out.write("master-v2".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return tree;
    }

    private static boolean hasMarker(Path jar) throws Exception {
        try (ZipFile z = new ZipFile(jar.toFile())) {
            return z.getEntry(MARKER) != null;
        }
    }

    @Test
    void aMasterOtaReplacesTheMasterAndIsReportedAfterTheRestart() throws Exception {
        baetyl.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> baetyl.agentLog().contains("connected to the cloud"));
        Path jar = baetyl.path("lib/baetyl/baetyl-master.jar");
        assertThat(hasMarker(jar)).isFalse();

        OtaPublisher push = cloud.publisher();
        OtaPublisher.Volume v = push.volume("master-v2", "var/db/baetyl/master-v2", "v2", newMasterTree());
        push.pushOta(AgentHome.DEVICE, "MST", "ota-mst-1", "v2", v);

        // The master checks the new one, swaps it in and exits 0 so that systemd restarts it.
        await().atMost(Duration.ofSeconds(120)).until(() -> !baetyl.master().isAlive());
        assertThat(baetyl.master().exitValue()).isZero();
        assertThat(hasMarker(jar)).as("the new master is in place").isTrue();
        assertThat(cloud.otaSteps(AgentHome.DEVICE, "ota-mst-1")).startsWith("RECEIVED", "UPDATING");

        baetyl.start(); // what systemd's Restart=always does
        await().atMost(Duration.ofSeconds(90)).until(() -> cloud.otaSteps(AgentHome.DEVICE, "ota-mst-1").contains("UPDATED"));
        assertThat(cloud.otaSteps(AgentHome.DEVICE, "ota-mst-1")).containsExactly("RECEIVED", "UPDATING", "RESTARTING", "UPDATED");
        assertThat(baetyl.agentLog()).contains("following the OTA a previous agent left: trace=ota-mst-1");
        assertThat(jar.resolveSibling("baetyl-master.jar.old")).doesNotExist();
        await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(baetyl.path("var/db/baetyl/ota.log")));
        assertThat(baetyl.stop()).isZero();
    }
}
