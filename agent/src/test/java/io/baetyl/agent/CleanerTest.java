package io.baetyl.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class CleanerTest {
    @TempDir
    Path tmp;

    private static VolumeInfo v(String path) {
        return new VolumeInfo("v", path, "", "", "");
    }

    @Test
    void removesOnlyUnreferencedDirectoriesAndOnlyForTheExpectedVersion() throws Exception {
        Path target = tmp.resolve("volumes");
        for (String d : List.of("keep", "old", "deep/keep", "deep/old", "whole/sub")) {
            Files.createDirectories(target.resolve(d));
        }
        Files.writeString(target.resolve("application.yml"), "x");
        Files.createSymbolicLink(target.resolve("link"), tmp);
        Cleaner c = new Cleaner(Path.of("var/db/baetyl"), target);
        c.set("v2", List.of(v("var/db/baetyl/keep"), v("var/db/baetyl/deep/keep"), v("var/db/baetyl/whole"),
                v("var/db/baetyl/whole/sub/x"), v("var/db/other"), v("var/db/baetyl")));

        assertThat(c.clean("v1")).isEmpty();
        assertThat(target.resolve("old")).exists();

        assertThat(c.clean("v2")).containsExactlyInAnyOrder(target.resolve("old"), target.resolve("deep/old"));
        assertThat(target.resolve("keep")).exists();
        assertThat(target.resolve("deep/keep")).exists();
        assertThat(target.resolve("whole/sub")).exists();
        assertThat(target.resolve("application.yml")).exists();
        assertThat(target.resolve("link")).exists();
        assertThat(tmp).exists();
    }

    @Test
    void nothingIsCleanedWithoutAnAppUpdate() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("volumes/old"));
        Cleaner c = new Cleaner(Path.of("var/db/baetyl"), tmp.resolve("volumes"));
        c.set("v2", List.of());
        c.reset();
        assertThat(c.clean("v2")).isEmpty();
        assertThat(target).exists();
    }
}
