package io.baetyl.master.console;

import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.runtime.Operations.ServiceView;
import io.baetyl.master.security.PathGuard;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A service's volumes as the console shows them: each with its role (config at {@code etc/baetyl}, log at
 * {@code var/log/baetyl}, as in the Baetyl docs), the files of its config volumes, and the last lines of its log.
 * Every host path goes through the {@link PathGuard} and files are opened without following symlinks, so a service
 * that plants a symlink in its writable log volume shows nothing from elsewhere. Reads are bounded.
 */
final class ServiceFiles {
    static final int MAX_FILES = 100;
    static final int TAIL_LINES = 100;
    static final int TAIL_BYTES = 64 * 1024;
    static final int MAX_LINE_CHARS = 2000;

    private ServiceFiles() {
    }

    static String role(ServiceVolume v) {
        String t = v.target.replaceAll("^/+", "").replaceAll("/+$", "");
        if (t.equals("etc/baetyl") || t.startsWith("etc/baetyl/")) {
            return "config";
        }
        if (t.equals("var/log/baetyl") || t.startsWith("var/log/baetyl/")) {
            return "log";
        }
        return "data";
    }

    /** Volumes of the service; config volumes with their files when {@code withFiles}. */
    static List<Map<String, Object>> volumes(ServiceView s, PathGuard guard, boolean withFiles) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < s.spec().volumes.size(); i++) {
            ServiceVolume v = s.spec().volumes.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", v.source);
            m.put("target", v.target);
            m.put("read_only", v.readOnly);
            String role = role(v);
            m.put("role", role);
            boolean named = s.volumes().containsKey(v.source);
            if (named) {
                m.put("docker_volume", true);
            } else if (withFiles && role.equals("config")) {
                try {
                    m.put("files", list(guard.resolve("volume", v.source)));
                } catch (IOException | RuntimeException e) {
                    m.put("error", e.getMessage());
                }
            }
            out.add(m);
        }
        return out;
    }

    /** Files of a directory, one level, without following symlinks (a symlink shows as such). */
    static List<Map<String, Object>> list(Path dir) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().limit(MAX_FILES).toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("name", p.getFileName().toString());
                f.put("type", a.isSymbolicLink() ? "symlink" : a.isDirectory() ? "dir" : "file");
                f.put("size", a.size());
                f.put("modified", a.lastModifiedTime().toString());
                out.add(f);
            }
        }
        return out;
    }

    /**
     * The last lines of the service's log: the newest {@code *.log} file in its log volume.
     *
     * @return {file, lines} or {error}
     */
    static Map<String, Object> logTail(ServiceView s, PathGuard guard) {
        Map<String, Object> out = new LinkedHashMap<>();
        ServiceVolume logVolume = s.spec().volumes.stream()
                .filter(v -> role(v).equals("log") && !s.volumes().containsKey(v.source)).findFirst().orElse(null);
        if (logVolume == null) {
            out.put("error", "the service has no log volume (a volume mounted at var/log/baetyl)");
            return out;
        }
        try {
            Path dir = guard.resolve("volume", logVolume.source);
            Path newest = null;
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> entries = Files.list(dir)) {
                    newest = entries.filter(p -> p.getFileName().toString().endsWith(".log"))
                            .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                            .max(Comparator.comparingLong(ServiceFiles::modified)).orElse(null);
                }
            }
            if (newest == null) {
                out.put("error", "no .log file in " + logVolume.source + " yet");
                return out;
            }
            out.put("file", logVolume.source + "/" + newest.getFileName());
            out.put("lines", tail(newest));
        } catch (IOException | RuntimeException e) {
            out.put("error", e.getMessage());
        }
        return out;
    }

    /** The last {@link #TAIL_LINES} lines within the last {@link #TAIL_BYTES} bytes of a regular file. */
    static List<String> tail(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file.getFileName() + " is not a regular file");
        }
        // O_NOFOLLOW: a symlink swapped in after the check above is refused, not followed.
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long len = ch.size();
            long from = Math.max(0, len - TAIL_BYTES);
            ByteBuffer buf = ByteBuffer.allocate((int) (len - from));
            ch.position(from);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // read what is there now; a file that grows meanwhile is read up to its old size
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
            if (from > 0 && !lines.isEmpty()) {
                lines.remove(0); // cut in the middle
            }
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
            List<String> out = new ArrayList<>(last.size());
            for (String l : last) {
                out.add(l.length() > MAX_LINE_CHARS ? l.substring(0, MAX_LINE_CHARS) + "..." : l);
            }
            return out;
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
