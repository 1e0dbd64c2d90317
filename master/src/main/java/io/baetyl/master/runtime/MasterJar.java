package io.baetyl.master.runtime;

import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.Unprivileged;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's own jar, {@code lib/baetyl/baetyl-master.jar}, and its replacement by a master update
 * ({@code type: MST}), as Baetyl does it with its binary: the running jar is kept as {@code .old}, the new one takes
 * its place and the master exits so that systemd ({@code Restart=always}) starts the new one. That start commits the
 * update (UPDATED, {@code .old} deleted), or, if it fails, puts the old master back before exiting.
 *
 * <p>Nothing from the update runs as the master before it has been validated, in this order:
 * <ol>
 *   <li>the candidate (a jar, a directory holding {@code lib/baetyl/baetyl-master.jar}, or the {@code bin/baetyl}
 *       of such a tree) is copied, at most {@link #MAX_JAR_BYTES}, to {@code baetyl-master.jar.new}: what is checked
 *       is exactly what gets installed;</li>
 *   <li>the copy must be a master of this project: a jar whose manifest names {@value #MAIN_CLASS} and which holds
 *       the master's version file;</li>
 *   <li>the copy must pass {@code check} on this install, run without root ({@link Unprivileged}: as
 *       {@code nobody} when the master is root), within {@link #CHECK_TIMEOUT}.</li>
 * </ol>
 * A candidate that fails any step is deleted; the running jar is not touched.
 */
public final class MasterJar {
    private static final Logger log = LoggerFactory.getLogger(MasterJar.class);
    static final String JAR = "lib/baetyl/baetyl-master.jar";
    static final String MAIN_CLASS = "io.baetyl.master.cli.BaetylCommand";
    static final String VERSION_FILE = "baetyl-version.properties";
    static final long MAX_JAR_BYTES = 256L * 1024 * 1024;
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(60);
    /** Output kept from the candidate's check, for the error message. */
    static final int MAX_CHECK_OUTPUT = 64 * 1024;

    private final Path running;
    private final Path workDir;
    private final String confArg;

    /**
     * @param running the jar this master runs from, or null when it does not run from a jar (tests in an IDE)
     * @param confArg the {@code -c} the master was started with, passed on to the candidate's check
     */
    MasterJar(Path running, Path workDir, String confArg) {
        this.running = running;
        this.workDir = workDir;
        this.confArg = confArg;
    }

    /** The jar this master runs from, or null when it does not run from a jar (tests in an IDE). */
    public static Path runningJar() {
        try {
            Path p = Path.of(MasterJar.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return null;
        }
    }

    /** The jar a target names: itself, {@code <dir>/lib/baetyl/baetyl-master.jar}, or that of {@code <tree>/bin/baetyl}. */
    static Path candidateJar(Path target) throws IOException {
        if (Files.isDirectory(target)) {
            return existing(target.resolve(JAR));
        }
        if (target.toString().endsWith(".jar")) {
            return existing(target);
        }
        if (target.getFileName().toString().equals("baetyl") && target.getParent() != null) {
            return existing(target.getParent().resolveSibling(JAR)); // <tree>/bin/baetyl -> <tree>/lib/baetyl/...
        }
        throw new IOException("path: not a master jar, an install tree or its bin/baetyl");
    }

    private static Path existing(Path p) throws IOException {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("path: " + LogSafe.q(p) + ": file not found");
        }
        return p;
    }

    /**
     * Validates the candidate and swaps it in. Throws, with the running jar untouched, when any step fails.
     *
     * @param target the update's path, already confined to the working dir
     */
    void apply(Path target, String trace) throws IOException, InterruptedException {
        if (running == null) {
            throw new IOException("this master does not run from a jar; cannot replace it");
        }
        Path candidate = candidateJar(target);
        Path staged = running.resolveSibling(running.getFileName() + ".new");
        try {
            copyBounded(candidate, staged);
            verifyIsMaster(staged);
            check(staged);
        } catch (IOException | InterruptedException | RuntimeException e) {
            Files.deleteIfExists(staged);
            throw e;
        }
        Path old = running.resolveSibling(running.getFileName() + ".old");
        Files.copy(running, old, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(traceFile(), trace == null ? "" : trace, StandardCharsets.UTF_8);
        // A rename replaces the jar in one step; the running JVM keeps its open handle on the old file.
        Files.move(staged, running, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.info("master replaced by {} (previous kept as {})", LogSafe.q(candidate), old);
    }

    /** Copies at most {@link #MAX_JAR_BYTES}, never through a symlink at the last step, readable by the check's user. */
    static void copyBounded(Path from, Path to) throws IOException {
        Files.deleteIfExists(to);
        try (InputStream in = Files.newInputStream(from, LinkOption.NOFOLLOW_LINKS);
             OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > MAX_JAR_BYTES) {
                    throw new IOException("path: the master jar is larger than " + MAX_JAR_BYTES + " bytes");
                }
                out.write(buf, 0, n);
            }
        }
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** A jar of this project's master: its manifest's Main-Class, and the version file the build puts in. */
    static void verifyIsMaster(Path jar) throws IOException {
        Manifest manifest;
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            manifest = jf.getManifest();
            if (manifest == null) {
                throw new IOException("not a Baetyl master jar: it has no manifest");
            }
            String main = manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
            if (!MAIN_CLASS.equals(main)) {
                throw new IOException("not a Baetyl master jar: its Main-Class is '" + LogSafe.q(main, 100)
                        + "', not " + MAIN_CLASS);
            }
            if (jf.getEntry(VERSION_FILE) == null || jf.getEntry(MAIN_CLASS.replace('.', '/') + ".class") == null) {
                throw new IOException("not a Baetyl master jar: it lacks " + VERSION_FILE + " or the main class");
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException("not a Baetyl master jar: not a jar file (" + LogSafe.q(e.getMessage(), 100) + ")");
        }
    }

    /** Runs {@code java -jar <candidate> check -w <workdir> -c <conf>} without root; it must print OK! and exit 0. */
    void check(Path jar) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(Unprivileged.prefix());
        Path blocked = Unprivileged.unreadableByNobody(List.of(jar, workDir.resolve(confArg),
                workDir.resolve(io.baetyl.master.config.AppConfig.DEFAULT_PATH)));
        if (blocked != null) {
            throw new IOException("the new master's check runs as uid " + Unprivileged.NOBODY + " (nobody), which cannot "
                    + "read " + blocked + ": install under a prefix others may read (as scripts/install.sh leaves "
                    + "/usr/local or /opt), or chmod o+rX the path");
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-Dbaetyl.home=" + workDir, "-jar", jar.toString(), "check", "-w", workDir.toString(), "-c", confArg));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(Path.of("/").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().retainAll(List.of("PATH", "LANG", "LC_ALL", "TZ"));
        long uid = Unprivileged.runAsUid();
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> output = new CompletableFuture<>();
        Thread reader = new Thread(() -> output.complete(readBounded(p.getInputStream())), "master-check-output");
        reader.setDaemon(true);
        reader.start();
        if (!p.waitFor(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IOException("the new master's check (run as uid " + uid + ") did not finish within "
                    + CHECK_TIMEOUT.toSeconds() + "s");
        }
        String text = output.join().trim();
        boolean ok = p.exitValue() == 0 && text.lines().anyMatch(l -> l.trim().equals("OK!"));
        if (!ok) {
            throw new IOException("the new master failed its check on this install (run as uid " + uid + ", exit "
                    + p.exitValue() + "): " + (text.isEmpty() ? "no output" : LogSafe.q(text)));
        }
        log.info("the new master passed its check on this install (run as uid {})", uid);
    }

    private static String readBounded(InputStream in) {
        try (in) {
            byte[] kept = in.readNBytes(MAX_CHECK_OUTPUT);
            in.transferTo(OutputStream.nullOutputStream()); // drain, so the candidate never blocks on a full pipe
            return new String(kept, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private Path traceFile() {
        return running.resolveSibling(running.getFileName() + ".trace");
    }

    /**
     * After a successful start: if an update was pending, it is now the master. Logs UPDATED.
     *
     * @param otaLog makes the OTA log for a trace and type
     */
    void commitIfPending(BiFunction<String, String, OtaLog> otaLog) {
        if (running == null) {
            return;
        }
        Path old = running.resolveSibling(running.getFileName() + ".old");
        if (!Files.exists(old)) {
            return;
        }
        try {
            String trace = Files.exists(traceFile()) ? Files.readString(traceFile()).trim() : "";
            Files.deleteIfExists(old);
            Files.deleteIfExists(traceFile());
            otaLog.apply(trace, "MST").step(OtaLog.UPDATED, null);
        } catch (IOException e) {
            log.error("cannot commit the master update: {}", e.toString());
        }
    }

    /** After a failed start: if an update was pending, put the previous master back. True when it did. */
    boolean rollBackIfPending(BiFunction<String, String, OtaLog> otaLog, String error) {
        if (running == null) {
            return false;
        }
        Path old = running.resolveSibling(running.getFileName() + ".old");
        if (!Files.exists(old)) {
            return false;
        }
        try {
            String trace = Files.exists(traceFile()) ? Files.readString(traceFile()).trim() : "";
            Files.move(old, running, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(traceFile());
            otaLog.apply(trace, "MST").step(OtaLog.ROLLEDBACK, "the new master failed to start: " + error);
            return true;
        } catch (IOException e) {
            log.error("cannot roll back the master update: {}", e.toString());
            return false;
        }
    }
}
