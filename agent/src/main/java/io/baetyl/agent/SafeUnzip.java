package io.baetyl.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Unpacks a volume zip into its directory, refusing anything that would land outside it. Before a single byte is
 * written every entry is checked: no absolute names, no {@code ..} that leaves the directory, no symbolic link whose
 * target leaves it, at most {@code maxFiles} entries and {@code maxBytes} declared bytes. While writing, the real
 * path of each parent directory must still be inside (so a link already on disk cannot redirect a write), the bytes
 * actually written are counted against {@code maxBytes}, and files replace what is there (a link in the way is
 * replaced, never written through). Executable entries stay executable (a native package's entry must be);
 * nothing else of the zip's modes is kept (no setuid, no world-writable files).
 */
public final class SafeUnzip {
    private SafeUnzip() {
    }

    /** A zip that must not be unpacked; the message names the entry and why. */
    public static final class UnsafeZipException extends IOException {
        UnsafeZipException(String message) {
            super(message);
        }
    }

    public static void unzip(Path zip, Path dest, long maxBytes, int maxFiles) throws IOException {
        Files.createDirectories(dest);
        Path root = dest.toRealPath();
        try (ZipFile zf = ZipFile.builder().setPath(zip).get()) {
            List<ZipArchiveEntry> entries = Collections.list(zf.getEntries());
            List<Path> targets = new ArrayList<>(entries.size());
            if (entries.size() > maxFiles) {
                throw new UnsafeZipException("zip has " + entries.size() + " entries, more than ota.limit.files (" + maxFiles + ")");
            }
            long declared = 0;
            for (ZipArchiveEntry e : entries) {
                Path target = target(root, e.getName());
                if (e.isUnixSymlink()) {
                    checkLink(root, target, e.getName(), zf.getUnixSymlink(e));
                }
                if (e.getSize() > 0) {
                    declared += e.getSize();
                }
                if (declared > maxBytes) {
                    throw new UnsafeZipException("zip unpacks to more than ota.limit.size (" + maxBytes + " bytes)");
                }
                targets.add(target);
            }
            long[] written = {0};
            for (int i = 0; i < entries.size(); i++) {
                extract(zf, entries.get(i), targets.get(i), root, maxBytes, written);
            }
        }
    }

    /** Where an entry goes; refuses absolute names and names that leave the directory. */
    static Path target(Path root, String name) throws UnsafeZipException {
        if (name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            throw new UnsafeZipException("zip entry '" + name + "' has an absolute path");
        }
        Path target = root.resolve(name).normalize();
        if (!target.startsWith(root)) {
            throw new UnsafeZipException("zip entry '" + name + "' points outside the volume");
        }
        return target;
    }

    private static void checkLink(Path root, Path link, String name, String linkTarget) throws UnsafeZipException {
        if (linkTarget == null || linkTarget.isEmpty() || linkTarget.startsWith("/")) {
            throw new UnsafeZipException("zip entry '" + name + "' is a symbolic link to '" + linkTarget
                    + "', outside the volume");
        }
        Path resolved = link.getParent().resolve(linkTarget).normalize();
        if (!resolved.startsWith(root)) {
            throw new UnsafeZipException("zip entry '" + name + "' is a symbolic link to '" + linkTarget
                    + "', outside the volume");
        }
    }

    private static void extract(ZipFile zf, ZipArchiveEntry e, Path target, Path root, long maxBytes, long[] written)
            throws IOException {
        if (target.equals(root)) {
            return; // "./" and the like
        }
        if (e.isDirectory()) {
            Files.createDirectories(target);
            inside(root, target, e.getName());
            return;
        }
        Files.createDirectories(target.getParent());
        inside(root, target.getParent(), e.getName());
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new UnsafeZipException("zip entry '" + e.getName() + "' would replace a directory");
        }
        if (e.isUnixSymlink()) {
            String linkTarget = zf.getUnixSymlink(e);
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, Path.of(linkTarget));
            if (Files.exists(target) && !target.toRealPath().startsWith(root)) {
                Files.delete(target);
                throw new UnsafeZipException("zip entry '" + e.getName() + "' is a symbolic link that resolves outside the volume");
            }
            return;
        }
        Path tmp = Files.createTempFile(target.getParent(), ".unzip-", ".tmp");
        try {
            try (InputStream in = zf.getInputStream(e); OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    written[0] += n;
                    if (written[0] > maxBytes) {
                        throw new UnsafeZipException("zip unpacks to more than ota.limit.size (" + maxBytes + " bytes)");
                    }
                    out.write(buf, 0, n);
                }
            }
            boolean executable = (e.getUnixMode() & 0111) != 0;
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void inside(Path root, Path dir, String name) throws IOException {
        if (!dir.toRealPath().startsWith(root)) {
            throw new UnsafeZipException("zip entry '" + name + "' would be written through a link outside the volume");
        }
    }
}
