package io.baetyl.master.runtime;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Master OTA ({@code type: MST}), as Baetyl does it with its binary: the new master must pass {@code check} on this
 * install, the running one is kept as {@code .old}, the new one takes its place and the master exits so that
 * systemd ({@code Restart=always}) starts the new one. That start commits the update (UPDATED, {@code .old}
 * deleted), or, if it fails, puts the old master back before exiting.
 *
 * <p>Here the master is its jar, {@code lib/baetyl/baetyl-master.jar}. A target is that jar, a directory holding
 * {@code lib/baetyl/baetyl-master.jar}, or the {@code bin/baetyl} of such a tree.
 */
public final class MasterUpdate {
    private static final Logger log = LoggerFactory.getLogger(MasterUpdate.class);
    static final String JAR = "lib/baetyl/baetyl-master.jar";

    private MasterUpdate() {
    }

    /** The jar this master runs from, or null when it does not run from a jar (tests in an IDE). */
    public static Path runningJar() {
        try {
            Path p = Path.of(MasterUpdate.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return null;
        }
    }

    static Path newJar(Path target) throws IOException {
        if (Files.isDirectory(target)) {
            return existing(target.resolve(JAR));
        }
        if (target.toString().endsWith(".jar")) {
            return existing(target);
        }
        if (target.getFileName().toString().equals("baetyl") && target.getParent() != null) {
            return existing(target.getParent().resolveSibling(JAR)); // <tree>/bin/baetyl -> <tree>/lib/baetyl/...
        }
        throw new IOException(target + ": not a master jar, an install tree or its bin/baetyl");
    }

    private static Path existing(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IOException(p + ": file not found");
        }
        return p;
    }

    /** Checks the new master against this install, then swaps it in. Throws (changing nothing) when it fails. */
    static void apply(Path workDir, String confArg, Path target, String trace) throws IOException, InterruptedException {
        Path current = runningJar();
        if (current == null) {
            throw new IOException("this master does not run from a jar; cannot replace it");
        }
        Path next = newJar(target);
        check(next, workDir, confArg);
        Path old = current.resolveSibling(current.getFileName() + ".old");
        Path staged = current.resolveSibling(current.getFileName() + ".new");
        Files.copy(next, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(current, old, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(traceFile(current), trace == null ? "" : trace, StandardCharsets.UTF_8);
        // A rename replaces the jar in one step; the running JVM keeps its open handle on the old file.
        Files.move(staged, current, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.info("master replaced by {} (previous kept as {})", next, old);
    }

    private static void check(Path jar, Path workDir, String confArg) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.add("check");
        cmd.add("-w");
        cmd.add(workDir.toString());
        cmd.add("-c");
        cmd.add(confArg);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the new master's check did not finish within 60s");
        }
        String text = new String(out, StandardCharsets.UTF_8).trim();
        if (!text.contains("OK!")) {
            throw new IOException("the new master failed its check: " + (text.isEmpty() ? "exit " + p.exitValue() : text));
        }
    }

    private static Path traceFile(Path jar) {
        return jar.resolveSibling(jar.getFileName() + ".trace");
    }

    /** After a successful start: if an update was pending, it is now the master. Logs UPDATED. */
    public static void commitIfPending(Master master) {
        Path current = runningJar();
        if (current == null) {
            return;
        }
        Path old = current.resolveSibling(current.getFileName() + ".old");
        if (!Files.exists(old)) {
            return;
        }
        try {
            String trace = Files.exists(traceFile(current)) ? Files.readString(traceFile(current)).trim() : "";
            Files.deleteIfExists(old);
            Files.deleteIfExists(traceFile(current));
            master.otaLog(trace, "MST", true).step(OtaLog.UPDATED, null);
        } catch (IOException e) {
            log.error("cannot commit the master update: {}", e.toString());
        }
    }

    /** After a failed start: if an update was pending, put the previous master back. True when it did. */
    public static boolean rollBackIfPending(Master master, String error) {
        Path current = runningJar();
        if (current == null) {
            return false;
        }
        Path old = current.resolveSibling(current.getFileName() + ".old");
        if (!Files.exists(old)) {
            return false;
        }
        try {
            String trace = Files.exists(traceFile(current)) ? Files.readString(traceFile(current)).trim() : "";
            Files.move(old, current, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(traceFile(current));
            master.otaLog(trace, "MST", true).step(OtaLog.ROLLEDBACK, "the new master failed to start: " + error);
            return true;
        } catch (IOException e) {
            log.error("cannot roll back the master update: {}", e.toString());
            return false;
        }
    }
}
