package io.baetyl.master.check;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the modules' config checks in a short-lived child JVM ({@code java -cp <the master's class path>}
 * {@link ConfigCheckChild}), so that the running master never loads the modules' config classes (about 1,800 classes
 * and 10 MB of metaspace for the native example, plus the heap they grow; docs/PERFORMANCE.md, "Footprint"). The
 * child runs {@link InProcessConfigChecker} and prints its lines; it runs as the master does (same user, environment and
 * working dir), so a file is judged exactly as in {@code baetyl check}.
 *
 * <p>When the child cannot run (no java, a timeout, a crash, output it does not end), the check runs in this JVM
 * instead, with a warning in the log: a bad config is refused either way.
 */
public final class ChildJvmConfigChecker implements ModuleConfigChecker {
    private static final Logger log = LoggerFactory.getLogger(ChildJvmConfigChecker.class);
        /** The child's output is read up to this much; a check prints a few lines per file. */
    private static final int MAX_OUTPUT = 1 << 20;
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Path workDir;
    private final List<String> jvmFlags;

    /**
     * @param workDir  the child's working dir (the master's)
     * @param jvmFlags the child's JVM flags (heap, GC, class-data sharing)
     */
    public ChildJvmConfigChecker(Path workDir, List<String> jvmFlags) {
        this.workDir = workDir;
        this.jvmFlags = List.copyOf(jvmFlags);
    }

    /**
     * The flags of a small, fast-starting child: SerialGC, C1 only, a 96 MB heap at most, and the master's own
     * class-data-sharing archives ({@code baetyl.cds.archives}, set by bin/baetyl once it has checked them: the
     * install's archive, and the master's classes on top when scripts/cds-train.sh made them, valid for the child too
     * since its class path is the master's), else the install's archive when {@code baetyl.home} has one that was
     * dumped without the common classes jar.
     */
    public static List<String> defaultFlags() {
        List<String> flags = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:CICompilerCount=1", "-Xss512k", "-Xmx96m", "-XX:-UsePerfData"));
        String archives = System.getProperty("baetyl.cds.archives", "");
        String home = System.getProperty("baetyl.home");
        if (archives.isEmpty() && home != null) {
            // An archive dumped with the install's common classes jar (baetyl-common.jar.info is there) maps only
            // with that jar first on the class path, which bin/baetyl alone decides (scripts/cds-pair.sh).
            Path base = Path.of(home, "lib", "baetyl", "baetyl-jdk.jsa");
            boolean needsCommonJar = Files.exists(Path.of(home, "lib", "baetyl", "baetyl-common.jar.info"));
            archives = Files.isRegularFile(base) && !needsCommonJar ? base.toString() : "";
        }
        if (!archives.isEmpty()) {
            flags.addAll(List.of("-XX:SharedArchiveFile=" + archives, "-Xshare:auto",
                    "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0"));
        }
        return flags;
    }

    @Override
    public List<List<String>> check(List<Request> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        try {
            return inChild(requests);
        } catch (IOException e) {
            log.warn("the modules' config check could not run in a child JVM ({}); checking in the master", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while the modules' config check ran in a child JVM; checking in the master");
        }
        List<List<String>> out = new InProcessConfigChecker().check(requests);
        // The module classes just loaded are unreachable now, but only a full GC unloads them, and an idle master
        // may not see one for days: one full GC of the small heap (about 20 ms) frees them.
        System.gc();
        return out;
    }

    private List<List<String>> inChild(List<Request> requests) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ConfigCheckChild.class.getName()));
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readBounded(p.getInputStream()));
        try (Writer w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8))) {
            for (Request r : requests) {
                for (String field : List.of(r.jar().toString(), r.configClass(), r.file().toString(), r.display())) {
                    w.write(ConfigCheckChild.escape(field));
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            p.destroyForcibly();
            throw new IOException("cannot write to the child: " + e.getMessage(), e);
        }
        if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("the child did not finish within " + TIMEOUT.toSeconds() + "s");
        }
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            out.add(new ArrayList<>());
        }
        boolean ended = false;
        for (String line : output.join().split("\n")) {
            if (line.startsWith(ConfigCheckChild.LINE)) {
                int space = line.indexOf(' ', ConfigCheckChild.LINE.length());
                int i = space < 0 ? -1 : parseIndex(line.substring(ConfigCheckChild.LINE.length(), space));
                if (i < 0 || i >= out.size()) {
                    throw new IOException("unexpected output of the child: " + line);
                }
                out.get(i).add(ConfigCheckChild.unescape(line.substring(space + 1)));
            } else if (line.equals(ConfigCheckChild.END + requests.size())) {
                ended = true;
            }
        }
        if (p.exitValue() != 0 || !ended) {
            throw new IOException("the child exited with " + p.exitValue() + (ended ? "" : " before its last line"));
        }
        return out;
    }

    private static int parseIndex(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String readBounded(InputStream in) {
        try (in) {
            byte[] kept = in.readNBytes(MAX_OUTPUT);
            in.transferTo(java.io.OutputStream.nullOutputStream()); // drain, so the child never blocks on a full pipe
            return new String(kept, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
