package io.baetyl.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ServiceVolumesTest {
    @TempDir
    Path tmp;

    /** A service dir as the native engine makes it: each mount a symlink into the master's var/db/baetyl. */
    private Path nativeService() throws Exception {
        Path db = Files.createDirectories(tmp.resolve("home/var/db/baetyl"));
        Path svc = Files.createDirectories(tmp.resolve("home/var/run/baetyl/services/video-infer"));
        for (String v : List.of("image-data", "video-infer-conf", "baetyl-video-infer")) {
            Files.createDirectories(db.resolve(v));
        }
        link(svc.resolve("var/db/baetyl/image"), db.resolve("image-data"));
        link(svc.resolve("etc/baetyl"), db.resolve("video-infer-conf"));
        link(svc.resolve("lib/baetyl/baetyl-video-infer"), db.resolve("baetyl-video-infer"));
        Files.createDirectories(svc.resolve("var/run"));
        Files.createFile(tmp.resolve("home/var/run/baetyl.sock"));
        Files.createSymbolicLink(svc.resolve("var/run/baetyl.sock"), tmp.resolve("home/var/run/baetyl.sock"));
        return svc;
    }

    private static void link(Path link, Path target) throws Exception {
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, target);
    }

    @Test
    void nativeModeVolumesAreTheLinkedMountsButNotPrograms() throws Exception {
        Path svc = nativeService();
        ServiceVolumes v = ServiceVolumes.detect(svc, Map.of("BAETYL_SERVICE_NAME", "video-infer",
                "BAETYL_SERVICE_MODE", "native"));
        assertThat(v.roots()).containsExactlyInAnyOrder(svc.resolve("var/db/baetyl/image"), svc.resolve("etc/baetyl"));
        assertThat(v.resolve("var/db/baetyl/image/1.jpg")).isEqualTo(svc.resolve("var/db/baetyl/image/1.jpg"));
        assertThat(v.resolve("var/db/baetyl/image/a/../b/2.jpg")).isEqualTo(svc.resolve("var/db/baetyl/image/b/2.jpg"));
        assertThat(v.resolve(svc.resolve("var/db/baetyl/image/3.jpg").toString()))
                .isEqualTo(svc.resolve("var/db/baetyl/image/3.jpg"));
    }

    @Test
    void locationsOutsideTheVolumesAreRefused() throws Exception {
        Path svc = nativeService();
        ServiceVolumes v = ServiceVolumes.detect(svc, Map.of("BAETYL_SERVICE_NAME", "video-infer"));
        for (String bad : List.of("/tmp/x.jpg", "../x.jpg", "var/db/baetyl/image/../../../../x.jpg", "var/db/baetyl/x.jpg",
                "var/db/baetyl/image", "lib/baetyl/baetyl-video-infer/bin/x.jpg", "x.jpg")) {
            assertThatThrownBy(() -> v.resolve(bad)).as(bad).isInstanceOf(ServiceVolumes.RefusedException.class)
                    .hasMessage("imageLocation '" + bad + "' is outside the service's volumes (native mounts: "
                            + String.join(", ", v.roots().stream().map(r -> svc.relativize(r).toString()).toList()) + ")");
        }
    }

    @Test
    void aSymlinkInsideAVolumeCannotLeadOutOfIt() throws Exception {
        Path svc = nativeService();
        ServiceVolumes v = ServiceVolumes.detect(svc, Map.of("BAETYL_SERVICE_NAME", "video-infer"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(tmp.resolve("home/var/db/baetyl/image-data/escape"), outside);
        Path file = v.resolve("var/db/baetyl/image/escape/x.jpg");
        assertThatThrownBy(() -> v.checkReal(file)).isInstanceOf(ServiceVolumes.RefusedException.class)
                .hasMessageContaining("leads outside the service's volumes through a symlink");
        Path ok = v.resolve("var/db/baetyl/image/sub/x.jpg");
        Files.createDirectories(ok.getParent());
        v.checkReal(ok);
    }

    @Test
    void standaloneTheWorkingDirIsTheVolume() throws Exception {
        ServiceVolumes v = ServiceVolumes.detect(tmp, Map.of());
        assertThat(v.resolve("images/1.jpg")).isEqualTo(tmp.resolve("images/1.jpg"));
        assertThatThrownBy(() -> v.resolve("../1.jpg")).isInstanceOf(ServiceVolumes.RefusedException.class);
    }

    @Test
    void dockerModeVolumesAreWritableMountsWithoutSystemAndAnonymousOnes() {
        String hex = "0123456789abcdef".repeat(4);
        String mountinfo = String.join("\n",
                "575 497 0:52 / / rw,relatime master:263 - overlay overlay rw,lowerdir=...",
                "576 575 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
                "577 575 0:56 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755",
                "583 575 254:1 /var/lib/docker/volumes/" + hex + "/_data /var/db/baetyl rw,relatime - ext4 /dev/vda1 rw",
                "584 583 254:1 /opt/baetyl/var/db/baetyl/image-data /var/db/baetyl/image rw,relatime - ext4 /dev/vda1 rw",
                "585 583 254:1 /opt/baetyl/var/db/baetyl/infer-person-model /var/db/baetyl/model ro,relatime - ext4 /dev/vda1 rw",
                "586 575 254:1 /opt/baetyl/var/db/baetyl/demo-log /var/log/baetyl rw,relatime - ext4 /dev/vda1 rw",
                "587 575 254:1 /opt/baetyl/var/db/baetyl/video-infer-conf /etc/baetyl ro,relatime - ext4 /dev/vda1 rw",
                "588 575 254:1 /opt/baetyl/data\\040dir /var/db/my\\040data rw,relatime - ext4 /dev/vda1 rw",
                "589 575 0:60 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw");
        assertThat(ServiceVolumes.fromMountinfo(mountinfo)).containsExactly(Path.of("/var/db/baetyl/image"),
                Path.of("/var/log/baetyl"), Path.of("/var/db/my data"));
    }
}
