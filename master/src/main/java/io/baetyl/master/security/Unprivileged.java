package io.baetyl.master.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;

/**
 * Runs a program from outside (a master update's jar) without root: when this process is root, the command is
 * prefixed with util-linux's {@code setpriv} to the overflow user {@code nobody} (uid and gid 65534), no
 * supplementary groups and no way to regain privileges. As another user, the program runs as that user.
 */
public final class Unprivileged {
    /** nobody/nogroup on Linux (the kernel's overflow ids). */
    public static final int NOBODY = 65534;
    private static final List<String> SETPRIV = List.of("/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv",
            "/sbin/setpriv");

    private Unprivileged() {
    }

    /**
     * The prefix to put before a command.
     *
     * @throws IOException when this process is root and cannot drop the privileges (no setpriv): the program must
     *                     then not run at all
     */
    public static List<String> prefix() throws IOException {
        if (effectiveUid() != 0) {
            return List.of();
        }
        for (String p : SETPRIV) {
            if (Files.isExecutable(Path.of(p))) {
                return List.of(p, "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--no-new-privs", "--");
            }
        }
        throw new IOException("cannot drop root privileges to run it: setpriv (util-linux) is not installed");
    }

    /**
     * When the program will run as {@code nobody}: the first of {@code paths} it could not read (a file without
     * o+r, or a directory on the way without o+x), or null when it can read them all. nobody is neither owner nor
     * group of an install, so only the "others" bits count.
     */
    public static Path unreadableByNobody(List<Path> paths) {
        if (effectiveUid() != 0) {
            return null;
        }
        for (Path p : paths) {
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                continue; // missing: the program itself reports that
            }
            for (Path dir = real.getParent(); dir != null; dir = dir.getParent()) {
                if (!others(dir, PosixFilePermission.OTHERS_EXECUTE)) {
                    return dir;
                }
            }
            if (!others(real, Files.isDirectory(real) ? PosixFilePermission.OTHERS_EXECUTE : PosixFilePermission.OTHERS_READ)) {
                return real;
            }
        }
        return null;
    }

    private static boolean others(Path p, PosixFilePermission bit) {
        try {
            return Files.getPosixFilePermissions(p).contains(bit);
        } catch (IOException | UnsupportedOperationException e) {
            return true; // cannot tell: let the program try
        }
    }

    /** The uid the program will run as. */
    public static long runAsUid() {
        return effectiveUid() == 0 ? NOBODY : effectiveUid();
    }

    /** This process's effective uid, from /proc/self/status; -1 when unknown (not Linux). */
    public static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: treated as not root
        }
        return -1;
    }
}
