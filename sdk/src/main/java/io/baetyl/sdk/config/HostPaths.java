package io.baetyl.sdk.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Names a file the way its owner finds it on the host. A native service reads {@code etc/baetyl/service.yml} or
 * {@code var/db/baetyl/cert/server.key} through symlinks the master made from the service's working dir into its
 * own; an error that only repeated the relative path would send the user to a file that does not exist where they
 * look. So errors say {@code var/db/baetyl/cert/server.key (host file /usr/local/var/db/baetyl/localhub-cert/server.key)}.
 */
public final class HostPaths {
    private HostPaths() {
    }

    /**
     * The path as given, followed by {@code (host file REAL)} when symlinks make the real location differ from it (a
     * plain relative path is left as it is: the user knows the working dir). A file that does not exist is resolved
     * through its longest existing parent.
     */
    public static String describe(Path path) {
        Path real = real(path);
        return real.equals(path.toAbsolutePath().normalize()) ? path.toString() : path + " (host file " + real + ")";
    }

    /** The real absolute path: symlinks resolved as far as the path exists, the rest appended as written. */
    public static Path real(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs; // a dangling link on the way: the absolute path is the best we know
        }
    }
}
