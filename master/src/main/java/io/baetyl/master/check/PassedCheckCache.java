package io.baetyl.master.check;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Skips the modules' config check at boot when it cannot change the answer: a {@link ModuleConfigChecker} in front of
 * another (the child JVM's) that remembers, in one small file, what the last <em>passing</em> check judged. Each
 * request's record is keyed by a SHA-256 of everything its result depends on:
 * <ul>
 *   <li>the config file's bytes, its path and display name, and the value of every environment variable its
 *       {@code {{.NAME}}} templates name (the module renders them with the environment before parsing);</li>
 *   <li>the module's jar (real path, size, modification time, inode) and the config class;</li>
 *   <li>the master itself ({@link #masterIdentity}: its version and jar, the JVM's version and home).</li>
 * </ul>
 * The modules' config classes judge the file's text alone (their {@code validate()} reads no other file), so the same
 * key gives the same lines. A request whose key has a record is answered from it (its warnings included); the others
 * go to the real check. The records are rewritten only when every result of this call passed (no {@code error:} and
 * no {@link #UNCHECKED} line): a failed check is never remembered, and the file then holds exactly the current app's
 * records (so it stays small; at most {@link #MAX_ENTRIES} records and {@link #MAX_BYTES} bytes, else nothing is
 * written). A missing, unreadable, oversized or corrupt file (its last line is a SHA-256 of the rest) only means a full
 * check. Written atomically (a temporary file in the same dir, synced, renamed).
 *
 * <p>Only the master's boot skips the check ({@link #lookUp} true). An OTA, a SIGHUP reload and {@code baetyl check}
 * always run the full check; an OTA's passing check is still recorded, so the next boot can skip it.
 */
public final class PassedCheckCache implements ModuleConfigChecker {
    private static final Logger log = LoggerFactory.getLogger(PassedCheckCache.class);
    /** The records' file, relative to the working dir. */
    public static final String FILE = "var/db/baetyl/config-check.cache";
    static final int MAX_ENTRIES = 256;
    static final int MAX_BYTES = 256 * 1024;
    /** A config file larger than this is not digested (the real check reads and judges it). */
    static final long MAX_CONFIG_BYTES = 4L * 1024 * 1024;
    private static final String HEADER = "baetyl-config-check-cache 1";
    private static final String TRAILER = "sha256 ";
    /** A template span and the variable names inside it (a superset of what EnvTemplate renders). */
    private static final Pattern TEMPLATE = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);
    private static final Pattern NAME = Pattern.compile("\\.([A-Za-z_][A-Za-z0-9_]*)");

    private final Path file;
    private final ModuleConfigChecker delegate;
    private final String masterIdentity;
    private final boolean lookUp;
    private final Map<String, String> env;

    /**
     * @param workDir        the master's working dir ({@link #FILE} lies under it)
     * @param delegate       the real check
     * @param masterIdentity what identifies this master's code ({@link #masterIdentity})
     * @param lookUp         true: answer from the records when they match (boot); false: always check, record a pass
     * @param env            the environment the modules render their templates with (the master's)
     */
    public PassedCheckCache(Path workDir, ModuleConfigChecker delegate, String masterIdentity, boolean lookUp,
                            Map<String, String> env) {
        this.file = workDir.resolve(FILE);
        this.delegate = delegate;
        this.masterIdentity = masterIdentity;
        this.lookUp = lookUp;
        this.env = env;
    }

    /** This master: {@code version}, the jar (or classes dir) its code came from, with size and time, and the JVM. */
    public static String masterIdentity(String version) {
        StringBuilder b = new StringBuilder("version=").append(version);
        try {
            Path code = Path.of(PassedCheckCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            b.append(" code=").append(fileIdentity(code));
        } catch (Exception e) {
            b.append(" code=unknown");
        }
        return b.append(" java=").append(System.getProperty("java.vm.version")).append(' ')
                .append(System.getProperty("java.home")).toString();
    }

    @Override
    public List<List<String>> check(List<Request> requests) {
        List<String> keys = new ArrayList<>(requests.size());
        for (Request r : requests) {
            keys.add(key(r));
        }
        Map<String, List<String>> records = lookUp ? load() : Map.of();
        List<List<String>> out = new ArrayList<>(requests.size());
        List<Request> misses = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            List<String> hit = keys.get(i) == null ? null : records.get(keys.get(i));
            out.add(hit);
            if (hit == null) {
                misses.add(requests.get(i));
            }
        }
        if (misses.isEmpty()) {
            log.info("module config check skipped: the {} config files, their modules and the master are as when they "
                    + "last passed ({})", requests.size(), FILE);
            return out;
        }
        if (lookUp && !records.isEmpty()) {
            log.info("module config check: {} of {} config files changed since they last passed, checking them",
                    misses.size(), requests.size());
        }
        List<List<String>> checked = delegate.check(misses);
        for (int i = 0, m = 0; i < out.size(); i++) {
            if (out.get(i) == null) {
                out.set(i, checked.get(m++));
            }
        }
        record(keys, out);
        return out;
    }

    private void record(List<String> keys, List<List<String>> results) {
        Map<String, List<String>> records = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) == null || !passed(results.get(i))) {
                return; // a failed check (or a file that could not be read) is never remembered
            }
            records.put(keys.get(i), results.get(i));
        }
        if (records.size() > MAX_ENTRIES) {
            log.info("module config check: {} records are more than {}, not remembered", records.size(), MAX_ENTRIES);
            return;
        }
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        records.forEach((key, lines) -> {
            text.append(key).append(' ').append(lines.size()).append('\n');
            lines.forEach(l -> text.append(ConfigCheckChild.escape(l)).append('\n'));
        });
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = (text + TRAILER + HexFormat.of().formatHex(sha256().digest(body)) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        if (all.length > MAX_BYTES) {
            log.info("module config check: its records take {} bytes, more than {}, not remembered", all.length, MAX_BYTES);
            return;
        }
        try {
            write(all);
        } catch (IOException e) {
            log.warn("module config check: cannot remember the pass in {} ({}); the next start checks in full", file,
                    e.toString());
        }
    }

    static boolean passed(List<String> lines) {
        return lines.stream().noneMatch(l -> l.startsWith("error: ") || l.startsWith(UNCHECKED));
    }

    private void write(byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".config-check", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The records, or none when the file is missing or not one this code wrote intact. */
    Map<String, List<String>> load() {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            log.info("module config check: cannot read {} ({}); checking in full", file, e.toString());
            return Map.of();
        }
        try {
            return parse(bytes);
        } catch (IllegalArgumentException e) {
            log.warn("module config check: {} ignored ({}); checking in full", file, e.getMessage());
            return Map.of();
        }
    }

    private static Map<String, List<String>> parse(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        int last = text.lastIndexOf('\n', text.length() - 2);
        if (!text.endsWith("\n") || last < 0 || !text.startsWith(TRAILER, last + 1)) {
            throw new IllegalArgumentException("no checksum line");
        }
        String body = text.substring(0, last + 1);
        String sum = text.substring(last + 1 + TRAILER.length(), text.length() - 1);
        if (!HexFormat.of().formatHex(sha256().digest(body.getBytes(StandardCharsets.UTF_8))).equals(sum)) {
            throw new IllegalArgumentException("checksum mismatch");
        }
        String[] lines = body.split("\n", -1);
        if (!lines[0].equals(HEADER)) {
            throw new IllegalArgumentException("unknown format '" + lines[0] + "'");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        int i = 1;
        while (i < lines.length - 1) {
            String[] head = lines[i++].split(" ");
            int n;
            try {
                n = head.length == 2 ? Integer.parseInt(head[1]) : -1;
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || i + n > lines.length - 1) {
                throw new IllegalArgumentException("bad record at line " + i);
            }
            List<String> result = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                result.add(ConfigCheckChild.unescape(lines[i++]));
            }
            out.put(head[0], result);
        }
        return out;
    }

    /**
     * The digest of all a request's result depends on; null when the config file or the jar cannot be read, or the
     * file is larger than {@link #MAX_CONFIG_BYTES}.
     */
    String key(Request r) {
        try {
            byte[] config;
            try (InputStream in = Files.newInputStream(r.file())) {
                config = in.readNBytes((int) MAX_CONFIG_BYTES + 1);
            }
            if (config.length > MAX_CONFIG_BYTES) {
                return null;
            }
            MessageDigest d = sha256();
            field(d, HEADER);
            field(d, masterIdentity);
            field(d, fileIdentity(r.jar()));
            field(d, r.configClass());
            field(d, r.file().toString());
            field(d, r.display());
            field(d, HexFormat.of().formatHex(sha256().digest(config)));
            for (String name : templateNames(new String(config, StandardCharsets.UTF_8))) {
                String value = env.get(name);
                field(d, name + (value == null ? " unset" : "=" + value));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            return null;
        }
    }

    static TreeSet<String> templateNames(String text) {
        TreeSet<String> names = new TreeSet<>();
        Matcher span = TEMPLATE.matcher(text);
        while (span.find()) {
            Matcher name = NAME.matcher(span.group(1));
            while (name.find()) {
                names.add(name.group(1));
            }
        }
        return names;
    }

    private static String fileIdentity(Path p) throws IOException {
        Path real = p.toRealPath();
        BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
        return real + " size=" + a.size() + " mtime=" + a.lastModifiedTime().toInstant() + " key=" + a.fileKey();
    }

    /** Length-prefixed, so that no two field lists digest alike. */
    private static void field(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.update((b.length + ":").getBytes(StandardCharsets.US_ASCII));
        d.update(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
