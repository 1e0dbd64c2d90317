package io.baetyl.agent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes volumes the new app no longer uses, after an APP OTA succeeded (as baetyl-agent's cleaner): every
 * directory under the master's {@code var/db/baetyl} (seen by the agent as {@code var/db/baetyl/volumes}) that no
 * volume of the new app lies in or under is deleted. Files and symbolic links at those levels are left alone, and
 * nothing is cleaned unless the master reports the new app's version as its {@code conf_version}.
 */
final class Cleaner {
    private static final Logger log = LoggerFactory.getLogger(Cleaner.class);

    private final Path prefix;
    private final Path target;
    private String version;
    private List<VolumeInfo> volumes;

    /**
     * @param prefix the volumes' paths are relative to the master's working dir and start with this
     *               ({@code var/db/baetyl})
     * @param target where the agent sees that directory ({@code var/db/baetyl/volumes})
     */
    Cleaner(Path prefix, Path target) {
        this.prefix = prefix;
        this.target = target;
    }

    synchronized void reset() {
        version = null;
        volumes = null;
    }

    synchronized void set(String version, List<VolumeInfo> volumes) {
        this.version = version;
        this.volumes = List.copyOf(volumes);
    }

    /** Cleans when {@code confVersion} (the master's, after the update) is the version that was set. */
    synchronized List<Path> clean(String confVersion) {
        if (volumes == null || confVersion == null || confVersion.isEmpty() || !confVersion.equals(version)) {
            log.debug("version ({}) is ignored, nothing cleaned (expected {})", confVersion, version);
            return List.of();
        }
        log.info("start to clean '{}'", target);
        List<Path> removed = new ArrayList<>();
        List<Path> remove;
        try {
            remove = list(prefix, target, volumes);
        } catch (IOException e) {
            log.warn("failed to list old volumes: {}", e.toString());
            return removed;
        }
        for (Path p : remove) {
            try {
                deleteTree(p);
                removed.add(p);
                log.info("old volume is removed: {}", p);
            } catch (IOException e) {
                log.warn("failed to remove old volume {}: {}", p, e.toString());
            }
        }
        log.info("end to clean, {} removed", removed.size());
        return removed;
    }

    /** The directories under {@code target} that hold no volume (recursing where a volume lies deeper). */
    static List<Path> list(Path prefix, Path target, List<VolumeInfo> volumes) throws IOException {
        // name of the first level → whether only something deeper is kept (false: the whole dir is a volume).
        Map<String, Boolean> keep = new HashMap<>();
        Path normalizedPrefix = prefix.normalize();
        for (VolumeInfo v : volumes) {
            Path p = Path.of(v.path).normalize();
            if (p.isAbsolute() || !p.startsWith(normalizedPrefix) || p.equals(normalizedPrefix)) {
                continue; // outside the prefix, or the prefix itself: nothing to decide here
            }
            Path rel = normalizedPrefix.relativize(p);
            String first = rel.getName(0).toString();
            boolean deeper = rel.getNameCount() > 1;
            keep.merge(first, deeper, (a, b) -> a && b); // a whole-dir volume wins over a deeper one
        }
        List<Path> remove = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(target)) {
            for (Path child : dir) {
                if (!Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String name = child.getFileName().toString();
                Boolean deeper = keep.get(name);
                if (deeper == null) {
                    remove.add(child);
                } else if (deeper) {
                    remove.addAll(list(normalizedPrefix.resolve(name), child, volumes));
                }
            }
        }
        remove.sort(null);
        return remove;
    }

    /** Deletes a directory tree without following links out of it. */
    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
