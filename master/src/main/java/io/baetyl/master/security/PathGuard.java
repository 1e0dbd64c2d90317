package io.baetyl.master.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Keeps paths that come from outside (application.yml, the REST API) inside the master's working dir. A path is
 * first checked as written ({@link #relative}), then resolved after following every symlink that exists
 * ({@link #resolve}), so that a symlink a service planted in a writable volume cannot lead outside. The resolved,
 * real path is what the caller must use from then on: what was checked is what gets used.
 *
 * <p>Errors are {@link IllegalArgumentException}s of the form {@code key: 'value' reason}: they name the key and the
 * value (escaped), never anything read from a file.
 */
public final class PathGuard {
    private final Path root;

    /** @param workDir the master's working dir; it must exist */
    public PathGuard(Path workDir) {
        try {
            this.root = workDir.toAbsolutePath().normalize().toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("working dir " + workDir + " cannot be resolved: " + e.getMessage(), e);
        }
    }

    /** The working dir after symlinks: every path this guard accepts lies under it. */
    public Path root() {
        return root;
    }

    /**
     * The checks on a path as written in a config: relative, not leaving the working dir through {@code ..}, and not
     * the working dir itself.
     *
     * @return the path, normalized
     */
    public static Path relative(String key, String value) {
        Path p = parse(key, value);
        if (p.isAbsolute()) {
            throw new IllegalArgumentException(key + ": '" + LogSafe.q(value) + "' is an absolute path; paths are relative "
                    + "to the working dir and must stay inside it (e.g. '" + LogSafe.q(strip(value)) + "')");
        }
        Path n = p.normalize();
        if (n.startsWith("..")) {
            throw new IllegalArgumentException(key + ": '" + LogSafe.q(value) + "' leads outside the working dir");
        }
        if (n.toString().isEmpty()) {
            throw new IllegalArgumentException(key + ": '" + LogSafe.q(value)
                    + "' is the working dir itself; name a directory inside it");
        }
        return n;
    }

    /**
     * Resolves a config path ({@link #relative} rules) under the working dir, after symlinks.
     *
     * @return the real path (or, for a part that does not exist yet, the real path of its deepest existing parent
     *         with the rest appended)
     */
    public Path resolve(String key, String value) {
        return inside(key, value, root.resolve(relative(key, value)), root, "the working dir");
    }

    /**
     * Resolves a path from the API: relative to the working dir, or absolute; either way it must lie inside the
     * working dir after symlinks.
     */
    public Path resolveRequest(String key, String value) {
        Path p = parse(key, value);
        Path abs = p.isAbsolute() ? p.normalize() : root.resolve(p).normalize();
        return inside(key, value, abs, root, "the working dir");
    }

    /**
     * Resolves {@code candidate} after symlinks and requires the result to lie under {@code base} (a real path).
     *
     * @param key      names the setting in the error
     * @param value    the value as the user wrote it, for the error
     * @param baseName what {@code base} is, for the error ("the working dir")
     */
    public static Path inside(String key, String value, Path candidate, Path base, String baseName) {
        Path abs = candidate.toAbsolutePath().normalize();
        Path real = real(key, value, abs);
        if (!real.startsWith(base)) {
            String via = real.equals(abs) ? "" : " (through a symlink it resolves to " + LogSafe.q(real) + ")";
            throw new IllegalArgumentException(key + ": '" + LogSafe.q(value) + "' is outside " + baseName + " "
                    + LogSafe.q(base) + via);
        }
        return real;
    }

    /** The real path of the deepest existing part of {@code p}, with the parts that do not exist yet appended. */
    private static Path real(String key, String value, Path p) {
        Path existing = p;
        Path rest = null;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            Path name = existing.getFileName();
            rest = rest == null ? name : name.resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null) {
            return p;
        }
        Path resolved;
        try {
            resolved = existing.toRealPath();
        } catch (IOException e) {
            // A symlink whose target does not exist: following it later would create or open something wherever it
            // points, so it is refused rather than guessed at.
            throw new IllegalArgumentException(key + ": '" + LogSafe.q(value) + "' goes through a symlink that points "
                    + "nowhere (" + LogSafe.q(existing) + ")");
        }
        return rest == null ? resolved : resolved.resolve(rest);
    }

    private static Path parse(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + ": is empty");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(key + ": '" + LogSafe.q(value) + "' is not a valid path");
        }
    }

    private static String strip(String value) {
        String s = value;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        return s.isEmpty() ? "var/db/baetyl/..." : s;
    }
}
