package io.baetyl.master.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.ServiceVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class MountDigestsTest {
    @Test
    void anInPlaceEditOfAReadOnlyVolumeChangesItsDigestOnly(@TempDir Path work) throws Exception {
        Path conf = Files.createDirectories(work.resolve("var/db/baetyl/hub-conf"));
        Path cert = Files.createDirectories(work.resolve("var/db/baetyl/hub-cert"));
        Path data = Files.createDirectories(work.resolve("var/db/baetyl/hub-data"));
        Files.writeString(conf.resolve("service.yml"), "listen: [tcp://0.0.0.0:1883]\n");
        Files.writeString(cert.resolve("server.pem"), "cert\n");
        ServiceSpec spec = new ServiceSpec();
        spec.volumes.add(new ServiceVolume("var/db/baetyl/hub-conf", "/etc/baetyl", true));
        spec.volumes.add(new ServiceVolume("var/db/baetyl/hub-cert", "/var/db/baetyl/cert", true));
        spec.volumes.add(new ServiceVolume("var/db/baetyl/hub-data", "/var/db/baetyl/data", false));
        Map<String, String> before = MountDigests.of(work, spec, Set.of());
        assertThat(before).containsOnlyKeys("var/db/baetyl/hub-conf", "var/db/baetyl/hub-cert");

        Files.writeString(data.resolve("log"), "written by the service itself\n");
        assertThat(MountDigests.changed(before, MountDigests.of(work, spec, Set.of()))).isEmpty();

        Files.writeString(conf.resolve("service.yml"), "listen: [tcp://0.0.0.0:1884]\n"); // same size, new content
        Map<String, String> after = MountDigests.of(work, spec, Set.of());
        assertThat(MountDigests.changed(before, after)).containsExactly("var/db/baetyl/hub-conf");

        Files.writeString(conf.resolve("extra.yml"), "");
        assertThat(MountDigests.changed(after, MountDigests.of(work, spec, Set.of()))).containsExactly("var/db/baetyl/hub-conf");
    }
}
