package io.baetyl.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A directory tree as it was, and a way to put it back: {@link #of(Path, Path)} copies the tree to a pristine
 * directory (times, modes and owners kept) and records every path's kind, size, times, mode and owner;
 * {@link #restore()} deletes what was not there and copies back from the pristine copy whatever differs.
 * <p>
 * The change time is compared too: any write, chmod or new link updates it and nothing can set it back, so a file
 * written in place and then given its old size and modified time again is still copied back. Restored files keep
 * their recorded modified time, which the JVMs compare (with the size) against their class-data-sharing archives.
 */
final class TreeSnapshot {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final Path dir;
    private final Path pristine;
    /** Relative path (a directory's ends with "/") to what it is now, as far as {@link #restore()} knows. */
    private final Map<String, Entry> entries;

    private TreeSnapshot(Path dir, Path pristine, Map<String, Entry> entries) {
        this.dir = dir;
        this.pristine = pristine;
        this.entries = entries;
    }

    /** The tree this snapshot puts back. */
    Path dir() {
        return dir;
    }

    /** What of a path may change: its kind and content (size, modified time), mode, owner and change time. */
    private record Entry(String kind, long size, Object modified, Object mode, Object uid, Object gid, Object ctime) {
        static Entry of(Path p) throws IOException {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,ctime", NOFOLLOW);
            String kind = Files.isSymbolicLink(p) ? "link:" + Files.readSymbolicLink(p)
                    : Files.isDirectory(p, NOFOLLOW) ? "dir" : Files.isRegularFile(p, NOFOLLOW) ? "file" : "other";
            // a directory's size and times change with its entries, which are compared one by one
            boolean isDir = kind.equals("dir");
            return new Entry(kind, isDir ? 0 : (long) a.get("size"), isDir ? null : a.get("lastModifiedTime"),
                    a.get("mode"), a.get("uid"), a.get("gid"), isDir ? null : a.get("ctime"));
        }
    }

    /** Records {@code dir} and copies it to {@code pristine}, which must not exist yet. */
    static TreeSnapshot of(Path dir, Path pristine) throws IOException {
        Files.createDirectory(pristine);
        Map<String, Entry> now = entries(dir);
        List<String> dirs = new ArrayList<>();
        for (String rel : now.keySet()) {
            copy(dir, rel, pristine, dirs);
        }
        for (String rel : dirs) {
            copyModeAndOwner(dir.resolve(rel), pristine.resolve(rel));
        }
        return new TreeSnapshot(dir, pristine, now);
    }

    /** What {@link #restore()} did: relative paths (a directory's ends with "/"). */
    record Changes(List<String> deleted, List<String> restored) {
        boolean none() {
            return deleted.isEmpty() && restored.isEmpty();
        }
    }

    /** Puts the tree back as recorded. */
    Changes restore() throws IOException {
        Map<String, Entry> now = entries(dir);
        List<String> extra = new ArrayList<>();
        now.forEach((rel, e) -> {
            Entry was = entries.get(rel);
            if (was == null || !was.kind().equals(e.kind())) {
                extra.add(rel);
            }
        });
        extra.sort(Comparator.reverseOrder()); // deepest first
        for (String rel : extra) {
            BaetylHome.deleteTree(dir.resolve(rel));
        }
        now.keySet().removeAll(extra);
        // in walk order: a directory before its entries
        List<String> restored = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            String rel = e.getKey();
            Entry is = now.get(rel);
            if (is == null) {
                copy(pristine, rel, dir, dirs);
            } else if (is.equals(e.getValue())) {
                continue;
            } else if (is.kind().equals("dir")) {
                dirs.add(rel);
            } else {
                Files.delete(dir.resolve(rel));
                copy(pristine, rel, dir, dirs);
            }
            restored.add(rel);
        }
        for (String rel : dirs) {
            copyModeAndOwner(pristine.resolve(rel), dir.resolve(rel));
        }
        for (String rel : restored) {
            entries.put(rel, Entry.of(dir.resolve(rel))); // its new change time
        }
        return new Changes(extra, restored);
    }

    /** Every path under {@code dir}, relative, in walk order (a directory before its entries). */
    private static Map<String, Entry> entries(Path dir) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.skip(1).toList()) {
                String rel = dir.relativize(p).toString();
                out.put(Files.isDirectory(p, NOFOLLOW) ? rel + "/" : rel, Entry.of(p));
            }
        }
        return out;
    }

    /**
     * A file with its times, mode and owner; a link as a link; a directory empty, added to {@code dirs} to get its mode
     * and owner once its entries are in (a read-only one would refuse them).
     */
    private static void copy(Path root, String rel, Path toRoot, List<String> dirs) throws IOException {
        Path from = root.resolve(rel);
        Path to = toRoot.resolve(rel);
        if (Files.isDirectory(from, NOFOLLOW)) {
            Files.createDirectory(to);
            dirs.add(rel);
        } else {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, NOFOLLOW);
        }
    }

    private static void copyModeAndOwner(Path from, Path to) throws IOException {
        Map<String, Object> a = Files.readAttributes(from, "unix:mode,uid,gid", NOFOLLOW);
        Files.setAttribute(to, "unix:uid", a.get("uid"), NOFOLLOW);
        Files.setAttribute(to, "unix:gid", a.get("gid"), NOFOLLOW);
        Files.setAttribute(to, "unix:mode", a.get("mode"), NOFOLLOW);
    }
}
