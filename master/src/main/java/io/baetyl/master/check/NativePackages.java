package io.baetyl.master.check;

import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.ServiceVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a native service's package comes from. The engine runs {@code lib/baetyl/<image>/package.yml}'s entry in
 * the service's working dir, as Baetyl does. Baetyl's docs provide that dir with a {@code *-bin} volume per service;
 * here an installed package is enough: when no volume is mounted over the package path and
 * {@code var/db/baetyl/<name>/package.yml} exists, where {@code <name>} is the image's last path segment without
 * its tag ({@code hub.baidubce.com/baetyl/baetyl-hub:latest} → {@code baetyl-hub}), the engine links that dir in.
 * {@code scripts/install.sh} installs every module there, plus the docs' runtime names as aliases.
 */
public final class NativePackages {
    /** Where {@code scripts/install.sh} puts the packages, relative to the working dir. */
    public static final Path INSTALL_DIR = Path.of("var/db/baetyl");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** How the package reaches the service. */
    public enum Source {
        /** a volume of the service is mounted at (or above) the package path */
        MOUNT,
        /** an installed package, linked by the engine */
        INSTALLED,
        /** neither */
        MISSING
    }

    /**
     * @param packagePath the package's path under {@code lib/baetyl} in the service dir (the image with ':' → '/')
     * @param name        the image's last segment without tag, the installed package it names
     * @param hostDir     the package dir on the host (for MISSING: where the installed package would be)
     * @param volume      the volume providing it (MOUNT only)
     */
    public record Resolved(Source source, String packagePath, String name, Path hostDir, ServiceVolume volume) {
        /** The package path inside the service's working dir, {@code lib/baetyl/...}. */
        public String servicePath() {
            return "lib/baetyl/" + packagePath;
        }
    }

    private NativePackages() {
    }

    /** The package path of an image under {@code lib/baetyl}, as the native engine reads it. */
    public static String packagePath(String image) {
        return image.trim().replace(':', '/');
    }

    /**
     * The installed package an image names: its last path segment without tag or digest
     * ({@code hub.baidubce.com/baetyl/baetyl-function-python36:0.1.6-opencv41} → {@code baetyl-function-python36});
     * null when that is not a plain name.
     */
    public static String packageName(String image) {
        String s = image.trim();
        int at = s.indexOf('@');
        if (at >= 0) {
            s = s.substring(0, at);
        }
        String last = s.substring(s.lastIndexOf('/') + 1);
        int colon = last.indexOf(':');
        if (colon >= 0) {
            last = last.substring(0, colon);
        }
        return NAME.matcher(last).matches() && !last.equals("..") ? last : null;
    }

    /**
     * Resolves a service's package on the host.
     *
     * @param workDir      the master's working dir (real path)
     * @param namedVolumes names of the app's compose volumes (docker's, never a package)
     */
    public static Resolved resolve(Path workDir, ServiceSpec spec, Set<String> namedVolumes) {
        String pkgPath = packagePath(spec.image);
        Path inService = Path.of("lib/baetyl").resolve(pkgPath).normalize();
        ServiceVolume best = null;
        Path bestTarget = null;
        for (ServiceVolume v : spec.volumes) {
            if (namedVolumes.contains(v.source)) {
                continue;
            }
            Path target = relative(v.target);
            if (inService.startsWith(target) && (bestTarget == null || target.getNameCount() > bestTarget.getNameCount())) {
                best = v;
                bestTarget = target;
            }
        }
        String name = packageName(spec.image);
        if (best != null) {
            Path host = workDir.resolve(relative(best.source)).resolve(bestTarget.relativize(inService)).normalize();
            return new Resolved(Source.MOUNT, pkgPath, name, host, best);
        }
        if (name == null) {
            return new Resolved(Source.MISSING, pkgPath, null, null, null);
        }
        Path installed = workDir.resolve(INSTALL_DIR).resolve(name);
        boolean present = Files.isRegularFile(installed.resolve("package.yml"));
        return new Resolved(present ? Source.INSTALLED : Source.MISSING, pkgPath, name, installed, null);
    }

    /** A config path as a relative path ({@code /etc/baetyl} and {@code etc/baetyl} are the same target). */
    static Path relative(String p) {
        Path rooted = Path.of("/").resolve(p == null ? "" : p).normalize();
        return Path.of("/").relativize(rooted);
    }
}
