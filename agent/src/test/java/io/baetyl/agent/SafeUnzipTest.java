package io.baetyl.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.testcloud.OtaPublisher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SafeUnzipTest {
    @TempDir
    Path tmp;

    private Path zipOf(Map.Entry<String, byte[]>... entries) throws Exception {
        Path zip = tmp.resolve("v.zip");
        OtaPublisher.rawZip(zip, List.of(entries));
        return zip;
    }

    private static Map.Entry<String, byte[]> e(String name, String content) {
        return Map.entry(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path zipWithLink(String linkName, String linkTarget) throws Exception {
        Path zip = tmp.resolve("link.zip");
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(Files.newOutputStream(zip))) {
            ZipArchiveEntry ok = new ZipArchiveEntry("application.yml");
            out.putArchiveEntry(ok);
            out.write("services: []\n".getBytes(StandardCharsets.UTF_8));
            out.closeArchiveEntry();
            ZipArchiveEntry link = new ZipArchiveEntry(linkName);
            link.setUnixMode(0120777);
            out.putArchiveEntry(link);
            out.write(linkTarget.getBytes(StandardCharsets.UTF_8));
            out.closeArchiveEntry();
        }
        return zip;
    }

    private long filesIn(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).count();
        }
    }

    @Test
    void unpacksFilesDirsAndExecutableBitsFromADirectoryZip() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("pkg/bin"));
        Files.writeString(src.resolve("application.yml"), "version: v2\n");
        Files.writeString(src.resolve("pkg/bin/run.sh"), "#!/bin/sh\n");
        src.resolve("pkg/bin/run.sh").toFile().setExecutable(true);
        Files.createSymbolicLink(src.resolve("pkg/current"), Path.of("bin"));
        Path zip = tmp.resolve("d.zip");
        OtaPublisher.zip(src, zip);
        Path dest = tmp.resolve("dest");

        SafeUnzip.unzip(zip, dest, 1 << 20, 100);

        assertThat(dest.resolve("application.yml")).hasContent("version: v2");
        assertThat(Files.isExecutable(dest.resolve("pkg/bin/run.sh"))).isTrue();
        assertThat(Files.isExecutable(dest.resolve("application.yml"))).isFalse();
        assertThat(Files.readSymbolicLink(dest.resolve("pkg/current"))).isEqualTo(Path.of("bin"));
    }

    @Test
    void overwritesWhatIsThereAsTheOriginalDid() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Files.writeString(dest.resolve("a.txt"), "old");
        SafeUnzip.unzip(zipOf(e("a.txt", "new")), dest, 1 << 20, 100);
        assertThat(dest.resolve("a.txt")).hasContent("new");
    }

    @Test
    void refusesDotDotEntriesAndUnpacksNothing() throws Exception {
        Path dest = tmp.resolve("vol/dest");
        Path zip = zipOf(e("application.yml", "x"), e("../../evil.txt", "pwned"));
        assertThatThrownBy(() -> SafeUnzip.unzip(zip, dest, 1 << 20, 100))
                .isInstanceOf(SafeUnzip.UnsafeZipException.class)
                .hasMessage("zip entry '../../evil.txt' points outside the volume");
        assertThat(tmp.resolve("evil.txt")).doesNotExist();
        assertThat(filesIn(dest)).isZero();
    }

    @Test
    void refusesAbsoluteEntries() throws Exception {
        Path zip = zipOf(e("/tmp/evil.txt", "pwned"));
        assertThatThrownBy(() -> SafeUnzip.unzip(zip, tmp.resolve("dest"), 1 << 20, 100))
                .hasMessage("zip entry '/tmp/evil.txt' has an absolute path");
    }

    @Test
    void refusesSymlinksOutOfTheVolume() throws Exception {
        Path dest = tmp.resolve("dest");
        assertThatThrownBy(() -> SafeUnzip.unzip(zipWithLink("etc", "../../../etc"), dest, 1 << 20, 100))
                .hasMessageContaining("zip entry 'etc' is a symbolic link to '../../../etc', outside the volume");
        assertThatThrownBy(() -> SafeUnzip.unzip(zipWithLink("passwd", "/etc/passwd"), dest, 1 << 20, 100))
                .hasMessageContaining("outside the volume");
        assertThat(filesIn(dest)).isZero();
    }

    @Test
    void neverWritesThroughALinkAlreadyOnDisk() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Files.createSymbolicLink(dest.resolve("sub"), outside);
        Path zip = zipOf(e("sub/x.txt", "pwned"));
        assertThatThrownBy(() -> SafeUnzip.unzip(zip, dest, 1 << 20, 100))
                .hasMessage("zip entry 'sub/x.txt' would be written through a link outside the volume");
        assertThat(outside.resolve("x.txt")).doesNotExist();
    }

    @Test
    void boundsEntriesAndBytes() throws Exception {
        Path many = zipOf(e("a", "1"), e("b", "2"), e("c", "3"));
        assertThatThrownBy(() -> SafeUnzip.unzip(many, tmp.resolve("d1"), 1 << 20, 2))
                .hasMessage("zip has 3 entries, more than ota.limit.files (2)");
        Path big = tmp.resolve("big.zip");
        OtaPublisher.rawZip(big, List.of(Map.entry("big.bin", new byte[100_000])));
        assertThatThrownBy(() -> SafeUnzip.unzip(big, tmp.resolve("d2"), 50_000, 10))
                .hasMessage("zip unpacks to more than ota.limit.size (50000 bytes)");
    }
}
