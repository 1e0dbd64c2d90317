package io.baetyl.master.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.runtime.Operations.ServiceView;
import io.baetyl.master.security.PathGuard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console reads a service's files bounded and without following what the service may have planted. */
class ServiceFilesTest {
    @TempDir
    Path work;

    private ServiceView service(String logSource) {
        ServiceSpec spec = new ServiceSpec();
        spec.volumes.add(new ServiceVolume("var/db/baetyl/svc-conf", "/etc/baetyl", true));
        spec.volumes.add(new ServiceVolume(logSource, "/var/log/baetyl", false));
        return new ServiceView("svc", spec, Map.of(), List.of(), List.of(), Map.of());
    }

    @Test
    void theLogTailIsTheLastLinesOfTheNewestLogBounded() throws IOException {
        Path logs = Files.createDirectories(work.resolve("var/db/baetyl/svc-log"));
        Files.writeString(logs.resolve("old.log"), "old\n");
        Files.setLastModifiedTime(logs.resolve("old.log"), java.nio.file.attribute.FileTime.fromMillis(0));
        String many = IntStream.range(0, 5000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n")) + "\n";
        Files.writeString(logs.resolve("service.log"), many);
        Map<String, Object> tail = ServiceFiles.logTail(service("var/db/baetyl/svc-log"), new PathGuard(work));
        assertThat(tail).containsEntry("file", "var/db/baetyl/svc-log/service.log");
        @SuppressWarnings("unchecked")
        List<String> lines = (List<String>) tail.get("lines");
        assertThat(lines).hasSize(ServiceFiles.TAIL_LINES).endsWith("line 4999").startsWith("line 4900");
    }

    @Test
    void aSymlinkPlantedInTheLogVolumeIsNotFollowed() throws IOException {
        Path secret = Files.writeString(work.resolveSibling(work.getFileName() + "-secret.log"), "root's secret\n");
        try {
            Path logs = Files.createDirectories(work.resolve("var/db/baetyl/svc-log"));
            Files.createSymbolicLink(logs.resolve("service.log"), secret);
            Map<String, Object> tail = ServiceFiles.logTail(service("var/db/baetyl/svc-log"), new PathGuard(work));
            assertThat(tail.toString()).doesNotContain("root's secret");
            assertThatThrownBy(() -> ServiceFiles.tail(logs.resolve("service.log"))).isInstanceOf(IOException.class);
            assertThat(ServiceFiles.list(logs)).singleElement().satisfies(f -> assertThat(f).containsEntry("type", "symlink"));
            // A log volume that is itself a symlink out of the working dir is refused by the path guard.
            Files.createSymbolicLink(work.resolve("var/db/baetyl/escape"), secret.getParent());
            assertThat(ServiceFiles.logTail(service("var/db/baetyl/escape"), new PathGuard(work)))
                    .containsKey("error").doesNotContainKey("lines");
        } finally {
            Files.deleteIfExists(secret);
        }
    }
}
