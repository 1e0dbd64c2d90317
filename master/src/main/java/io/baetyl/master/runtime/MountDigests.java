package io.baetyl.master.runtime;

import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.ServiceVolume;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The content of a service's read-only volumes, as one digest per volume. A service reads its {@code service.yml},
 * certificates and function code from read-only volumes once, at start: when one of those files is edited in place,
 * the service's definition in application.yml is unchanged, yet it must restart to see the edit. SIGHUP and app OTA
 * compare these digests too, and restart a service whose read-only volumes changed, naming them.
 *
 * <p>Bounded: at most {@link #MAX_FILES} entries per volume and {@link #MAX_CONTENT_BYTES} of file content per
 * service are read; beyond that files count by path, size and modification time (a package's jars, a model).
 */
public final class MountDigests {
    /** Entries of one volume walked; a larger tree counts as changed when its first entries change. */
    static final int MAX_FILES = 10_000;
    /** File content hashed per service; the rest by size and mtime. */
    static final long MAX_CONTENT_BYTES = 64L << 20;

    private MountDigests() {
    }

    /**
     * Digest of each read-only host volume of a service: host path as written in the app → hex digest.
     *
     * @param workDir      the master's working dir
     * @param namedVolumes the app's named (docker) volumes, which are not host paths
     */
    public static Map<String, String> of(Path workDir, ServiceSpec spec, Set<String> namedVolumes) {
        Map<String, String> out = new LinkedHashMap<>();
        long[] budget = {MAX_CONTENT_BYTES};
        for (ServiceVolume v : spec.volumes) {
            if (!v.readOnly || namedVolumes.contains(v.source) || out.containsKey(v.source)) {
                continue;
            }
            Path rooted = Path.of("/").resolve(v.source).normalize();
            out.put(v.source, digest(workDir.resolve(Path.of("/").relativize(rooted)), budget));
        }
        return out;
    }

    /** The volumes whose digest differs between two calls of {@link #of}, in order. */
    public static List<String> changed(Map<String, String> before, Map<String, String> after) {
        List<String> out = new ArrayList<>();
        after.forEach((source, digest) -> {
            if (before.containsKey(source) && !Objects.equals(before.get(source), digest)) {
                out.add(source);
            }
        });
        return out;
    }

    static String digest(Path dir, long[] budget) {
        MessageDigest md = sha256();
        if (!Files.exists(dir)) {
            return "missing";
        }
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(dir)) { // symlinks to dirs are not followed: their target counts
            entries = walk.limit(MAX_FILES).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return "unreadable:" + e.getClass().getSimpleName();
        }
        for (Path p : entries) {
            String rel = dir.relativize(p).toString();
            md.update(rel.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            try {
                if (Files.isSymbolicLink(p)) {
                    md.update(("link:" + Files.readSymbolicLink(p)).getBytes(StandardCharsets.UTF_8));
                    if (!Files.isRegularFile(p)) {
                        continue;
                    }
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                if (!a.isRegularFile()) {
                    continue;
                }
                if (a.size() <= budget[0]) {
                    budget[0] -= a.size();
                    try (InputStream in = Files.newInputStream(p)) {
                        byte[] buf = new byte[8192];
                        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                            md.update(buf, 0, n);
                        }
                    }
                } else {
                    md.update(("size:" + a.size() + ",mtime:" + a.lastModifiedTime().toMillis())
                            .getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                md.update(("unreadable:" + e.getClass().getSimpleName()).getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
