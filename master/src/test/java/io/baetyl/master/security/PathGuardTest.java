package io.baetyl.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class PathGuardTest {
    @TempDir
    Path work;

    @Test
    void relativePathsInsideAreResolvedAfterSymlinks() throws Exception {
        PathGuard guard = new PathGuard(work);
        Path root = work.toRealPath();
        Files.createDirectories(work.resolve("var/db/baetyl/real"));
        Files.createSymbolicLink(work.resolve("var/db/baetyl/alias"), Path.of("real"));

        assertThat(guard.resolve("k", "var/db/baetyl/real")).isEqualTo(root.resolve("var/db/baetyl/real"));
        assertThat(guard.resolve("k", "./var/db/baetyl/alias/sub")).isEqualTo(root.resolve("var/db/baetyl/real/sub"));
        assertThat(guard.resolve("k", "not/yet/there")).isEqualTo(root.resolve("not/yet/there"));
    }

    @Test
    void absoluteEscapingAndEmptyPathsAreRefusedNamingKeyAndValue() {
        PathGuard guard = new PathGuard(work);
        assertThatThrownBy(() -> guard.resolve("volumes[0].path", "/etc"))
                .hasMessage("volumes[0].path: '/etc' is an absolute path; paths are relative to the working dir and "
                        + "must stay inside it (e.g. 'etc')");
        assertThatThrownBy(() -> guard.resolve("volumes[1].path", "../../.."))
                .hasMessage("volumes[1].path: '../../..' leads outside the working dir");
        assertThatThrownBy(() -> guard.resolve("k", "a/../.."))
                .hasMessage("k: 'a/../..' leads outside the working dir");
        assertThatThrownBy(() -> guard.resolve("k", "a/..")).hasMessageContaining("is the working dir itself");
        assertThatThrownBy(() -> guard.resolve("k", " ")).hasMessage("k: is empty");
        assertThatThrownBy(() -> guard.resolve("k", "a\0b")).hasMessage("k: 'a\\u0000b' is not a valid path");
    }

    @Test
    void aSymlinkLeadingOutsideIsRefusedWithWhereItLeads() throws Exception {
        PathGuard guard = new PathGuard(work);
        Files.createDirectories(work.resolve("data"));
        Files.createSymbolicLink(work.resolve("data/escape"), Path.of("/etc"));
        Files.createSymbolicLink(work.resolve("data/dangling"), Path.of("/nonexistent-dir-for-test/x"));

        assertThatThrownBy(() -> guard.resolve("volumes[2].path", "data/escape"))
                .hasMessage("volumes[2].path: 'data/escape' is outside the working dir " + work.toRealPath()
                        + " (through a symlink it resolves to /etc)");
        assertThatThrownBy(() -> guard.resolve("k", "data/escape/passwd")).hasMessageContaining("resolves to /etc/passwd");
        assertThatThrownBy(() -> guard.resolve("k", "data/dangling/new"))
                .hasMessageContaining("goes through a symlink that points nowhere");
    }

    @Test
    void requestPathsMayBeAbsoluteWhenInside() throws Exception {
        PathGuard guard = new PathGuard(work);
        Files.createDirectories(work.resolve("var/db/baetyl/v2"));
        assertThat(guard.resolveRequest("path", work.resolve("var/db/baetyl/v2").toString()))
                .isEqualTo(work.toRealPath().resolve("var/db/baetyl/v2"));
        assertThat(guard.resolveRequest("path", "var/db/baetyl/v2")).isEqualTo(work.toRealPath().resolve("var/db/baetyl/v2"));
        assertThatThrownBy(() -> guard.resolveRequest("path", "/etc/passwd"))
                .hasMessage("path: '/etc/passwd' is outside the working dir " + work.toRealPath());
        assertThatThrownBy(() -> guard.resolveRequest("path", "../../../etc/passwd"))
                .hasMessageStartingWith("path: '../../../etc/passwd' is outside the working dir");
    }
}
