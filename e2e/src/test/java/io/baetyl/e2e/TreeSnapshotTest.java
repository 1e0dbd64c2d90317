package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link TreeSnapshot}, which gives the e2e tests the shared install back as installed, on a small tree. */
@Timeout(30)
class TreeSnapshotTest {
    @TempDir
    Path tmp;
    Path tree;
    TreeSnapshot snapshot;
    /** The tree as it was made, described independently of TreeSnapshot: path -> kind, mode, time, content hash. */
    Map<String, String> before;

    @BeforeEach
    void makeTree() throws Exception {
        tree = Files.createDirectory(tmp.resolve("tree"));
        Files.createDirectories(tree.resolve("pkg/lib"));
        Files.writeString(tree.resolve("pkg/lib/app.jar"), "jar bytes, version one");
        Files.setLastModifiedTime(tree.resolve("pkg/lib/app.jar"), FileTime.fromMillis(1_600_000_000_000L));
        Files.writeString(tree.resolve("pkg/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(tree.resolve("pkg/run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(tree.resolve("alias"), Path.of("pkg"));
        Files.createDirectory(tree.resolve("conf"));
        Files.writeString(tree.resolve("conf/service.yml"), "port: 1883\n");
        Files.setPosixFilePermissions(tree.resolve("conf"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createDirectory(tree.resolve("data"));
        Files.writeString(tree.resolve("data/keep.db"), "kept");
        snapshot = TreeSnapshot.of(tree, tmp.resolve("pristine"));
        before = describe(tree);
    }

    @Test
    void whatTestsDoToTheTreeIsUndone() throws Exception {
        // written in place with the same size, then given its old time back: only the change time tells
        Path jar = tree.resolve("pkg/lib/app.jar");
        FileTime old = Files.getLastModifiedTime(jar);
        Files.writeString(jar, "jar bytes, version two");
        Files.setLastModifiedTime(jar, old);
        Files.setPosixFilePermissions(tree.resolve("pkg/run.sh"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(tree.resolve("conf/service.yml"), "port: 41883\nextra: true\n");
        Files.delete(tree.resolve("alias"));
        Files.createDirectory(tree.resolve("alias")); // a link became a directory
        Files.writeString(tree.resolve("alias/new.txt"), "new");
        Files.createDirectories(tree.resolve("var/log/deep"));
        Files.writeString(tree.resolve("var/log/deep/service.log"), "log");
        Files.createSymbolicLink(tree.resolve("dangling"), Path.of("nowhere"));
        Files.setPosixFilePermissions(tree.resolve("conf"), PosixFilePermissions.fromString("rwxrwxrwx"));
        BaetylHome.deleteTree(tree.resolve("data"));
        Files.writeString(tree.resolve("data"), "a file where a directory was");
        assertThat(describe(tree)).isNotEqualTo(before);

        TreeSnapshot.Changes c = snapshot.restore();
        assertThat(c.deleted()).containsExactlyInAnyOrder("alias/", "alias/new.txt", "var/", "var/log/",
                "var/log/deep/", "var/log/deep/service.log", "dangling", "data");
        assertThat(c.restored()).containsExactlyInAnyOrder("pkg/lib/app.jar", "pkg/run.sh", "alias", "conf/",
                "conf/service.yml", "data/", "data/keep.db");

        assertThat(describe(tree)).isEqualTo(before);
        assertThat(snapshot.restore().none()).as("a second reset with nothing changed").isTrue();
    }

    @Test
    void aTreeNobodyTouchedIsLeftAlone() throws Exception {
        assertThat(snapshot.restore().none()).isTrue();
        assertThat(describe(tree)).isEqualTo(before);
    }

    /** Each path's kind, mode, modified time (to the millisecond, as the JVM's archive check reads it) and content. */
    private static Map<String, String> describe(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.toList()) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link to " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(rel, "dir " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                } else {
                    out.put(rel, "file " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p,
                            LinkOption.NOFOLLOW_LINKS)) + " " + Files.getLastModifiedTime(p).toMillis() + " "
                            + sha256(p));
                }
            }
        }
        return out;
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
