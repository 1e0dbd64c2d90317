package io.baetyl.video;

import io.baetyl.sdk.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where this service may write images: inside its volumes, the {@code mounts} its service has in application.yml.
 * An {@code imageLocation} anywhere else (an absolute path, {@code ../}, the service's own scratch dirs, a
 * read-only mount in docker mode) is refused, so a function's answer can never make video-infer write outside the
 * data the user gave it.
 * <ul>
 *   <li><b>native mode</b>: the master links each mount into the service's working dir as a symlink to a
 *       directory; those links (but not the program packages under {@code lib/baetyl/}) are the volumes.</li>
 *   <li><b>docker mode</b>: the writable mounts of the container ({@code /proc/self/mountinfo}) other than the
 *       system's and docker's anonymous volumes.</li>
 *   <li><b>standalone</b> (no master, e.g. {@code java -jar} by hand): the working dir.</li>
 * </ul>
 */
final class ServiceVolumes {
    /** A location this service must not write. */
    static final class RefusedException extends Exception {
        RefusedException(String message) {
            super(message);
        }
    }

    private static final int MAX_DEPTH = 8;
    private static final int MAX_ENTRIES = 10_000;
    private static final Pattern ANONYMOUS_VOLUME = Pattern.compile(".*/volumes/[0-9a-f]{64}/_data");

    private final Path workdir;
    private final List<Path> roots;
    private final String origin;

    ServiceVolumes(Path workdir, List<Path> roots, String origin) {
        this.workdir = workdir.toAbsolutePath().normalize();
        this.roots = roots.stream().map(r -> this.workdir.resolve(r).normalize()).toList();
        this.origin = origin;
    }

    static ServiceVolumes detect(Path workdir, Map<String, String> env) throws IOException {
        boolean underMaster = !env.getOrDefault(Env.SERVICE_NAME, env.getOrDefault(Env.OE_SERVICE_NAME, "")).isEmpty();
        if (!underMaster) {
            return new ServiceVolumes(workdir, List.of(workdir), "standalone: the working dir");
        }
        String mode = env.getOrDefault(Env.SERVICE_MODE, env.getOrDefault(Env.OE_RUNNING_MODE, "native"));
        if ("docker".equals(mode)) {
            Path mountinfo = Path.of("/proc/self/mountinfo");
            return new ServiceVolumes(workdir, fromMountinfo(Files.readString(mountinfo)), "docker mounts");
        }
        return new ServiceVolumes(workdir, linkedDirs(workdir), "native mounts");
    }

    /** Native mode: every symlink to a directory under the working dir, except program packages. */
    static List<Path> linkedDirs(Path workdir) throws IOException {
        Path wd = workdir.toAbsolutePath().normalize();
        Path packages = wd.resolve("lib/baetyl");
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(wd, MAX_DEPTH)) {
            s.limit(MAX_ENTRIES)
                    .filter(p -> Files.isSymbolicLink(p) && Files.isDirectory(p) && !p.startsWith(packages))
                    .forEach(out::add);
        }
        return out;
    }

    /** Docker mode: writable directory mounts, without /proc, /sys, /dev and anonymous volumes. */
    static List<Path> fromMountinfo(String mountinfo) {
        List<Path> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 6) {
                continue;
            }
            String root = unescape(f[3]);
            String point = unescape(f[4]);
            boolean rw = ("," + f[5] + ",").contains(",rw,");
            if (!rw || point.equals("/") || under(point, "/proc") || under(point, "/sys") || under(point, "/dev")
                    || ANONYMOUS_VOLUME.matcher(root).matches()) {
                continue;
            }
            Path p = Path.of(point);
            if (Files.isDirectory(p) || !Files.exists(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private static boolean under(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    List<Path> roots() {
        return roots;
    }

    /**
     * The file a location names, if it lies inside a volume: relative locations are resolved against the working
     * dir, {@code ..} is applied first, and the file may not be a volume's root itself.
     */
    Path resolve(String location) throws RefusedException {
        Path p;
        try {
            p = workdir.resolve(location).normalize();
        } catch (RuntimeException e) {
            throw new RefusedException("imageLocation '" + location + "' is not a valid path: " + e.getMessage());
        }
        for (Path root : roots) {
            if (p.startsWith(root) && !p.equals(root)) {
                return p;
            }
        }
        throw new RefusedException("imageLocation '" + location + "' is outside the service's volumes ("
                + describeRoots() + ")");
    }

    /**
     * After the parent dirs exist: the real path of {@code file}'s directory must still be inside the real path of
     * a volume (no symlink inside a volume leads out of it).
     */
    void checkReal(Path file) throws RefusedException, IOException {
        Path dir = file.getParent().toRealPath();
        for (Path root : roots) {
            if (file.startsWith(root) && Files.exists(root) && dir.startsWith(root.toRealPath())) {
                return;
            }
        }
        throw new RefusedException("imageLocation '" + workdir.relativize(file) + "' leads outside the service's "
                + "volumes through a symlink (to " + dir + ")");
    }

    String describeRoots() {
        if (roots.isEmpty()) {
            return origin + ": none";
        }
        List<String> rel = new ArrayList<>();
        for (Path r : roots) {
            rel.add(r.startsWith(workdir) && !r.equals(workdir) ? workdir.relativize(r).toString() : r.toString());
        }
        return origin + ": " + String.join(", ", rel);
    }
}
