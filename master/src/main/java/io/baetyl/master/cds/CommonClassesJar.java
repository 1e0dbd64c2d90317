package io.baetyl.master.cds;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * Makes {@code lib/baetyl/baetyl-common.jar} at install (scripts/cds-archive.sh, issue 18): the classes that every
 * installed Java jar (the master's and each module's) holds byte for byte the same, out of a list of the classes the
 * example's JVMs load (scripts/cds/app-classes.lst). The install's class-data-sharing archive is then dumped with this
 * jar as its class path, so Netty, Logback, SnakeYAML, Jackson, gRPC and the SDK are one copy in memory for all the
 * JVMs of the device instead of one per JVM; Java 17 maps application classes of a static archive only for a JVM
 * whose class path starts with the dump's, so the launchers run {@code -cp baetyl-common.jar:<own jar> <main class>}.
 *
 * <p>Why only classes that every jar has, identical: a JVM must load exactly the class its own jar would have given
 * it. A class in one jar only (a library one module uses) would become visible to the others, and libraries probe for
 * optional classes (Netty for BouncyCastle, for example); a class that differs between jars (two versions of a
 * library) would mix versions. Multi-release classes are left out (which variant a JVM loads depends on its version).
 *
 * <p>Next to the jar, {@code baetyl-common.jar.info} records for the common jar and every input jar its size, time
 * (seconds) and main class ({@code -} when none) and its path, one per line; a launcher puts the common jar first
 * only while its own jar and the common jar still match their lines, so an OTA'd or rebuilt jar runs from its own
 * classes alone (scripts/cds-pair.sh). Both files are written under temporary names and renamed into place.
 *
 * <p>Usage: {@code java -cp baetyl-master.jar io.baetyl.master.cds.CommonClassesJar LIST OUT JAR...}; exit status 0
 * with the number of classes taken on standard output, 2 on a usage error, 1 (and the reason) when it could not be
 * made, in which case nothing is left at OUT.
 */
public final class CommonClassesJar {
    /** More classes than any list of ours holds: the list is read whole into memory. */
    static final int MAX_CLASSES = 50_000;
    /** A class file larger than this is left out (the largest in our jars is about 100 KB). */
    static final int MAX_CLASS_BYTES = 1 << 20;

    private CommonClassesJar() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 3) {
            err.println("usage: CommonClassesJar LIST OUT JAR...");
            return 2;
        }
        try {
            List<Path> jars = new ArrayList<>();
            for (int i = 2; i < args.length; i++) {
                jars.add(Path.of(args[i]).toRealPath());
            }
            Path jar = Path.of(args[1]).toAbsolutePath();
            int n = write(readList(Path.of(args[0])), jar.getParent().toRealPath().resolve(jar.getFileName()), jars);
            out.println(n + " classes common to " + jars.size() + " jars in " + args[1]);
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("error: no common classes jar: " + e);
            return 1;
        }
    }

    /** The class names of a list in the JVM's internal form ({@code io/netty/channel/Channel}); # comments skipped. */
    static List<String> readList(Path list) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
            String name = line.strip();
            if (name.isEmpty() || name.startsWith("#") || name.startsWith("@") || name.contains(" ")) {
                continue;
            }
            if (names.size() == MAX_CLASSES) {
                throw new IOException(list + " lists more than " + MAX_CLASSES + " classes");
            }
            names.add(name);
        }
        return new ArrayList<>(names);
    }

    /** Writes OUT, OUT.lst and OUT.info; returns how many classes OUT holds. */
    static int write(List<String> names, Path outJar, List<Path> jars) throws IOException {
        if (jars.isEmpty()) {
            throw new IOException("no jars given");
        }
        Path tmp = outJar.resolveSibling(outJar.getFileName() + ".tmp");
        Path info = outJar.resolveSibling(outJar.getFileName() + ".info");
        Path infoTmp = outJar.resolveSibling(outJar.getFileName() + ".info.tmp");
        Path classes = outJar.resolveSibling(outJar.getFileName() + ".lst");
        Files.deleteIfExists(info);
        Files.deleteIfExists(classes);
        Files.deleteIfExists(outJar);
        List<JarFile> open = new ArrayList<>();
        List<String> taken = new ArrayList<>();
        try {
            Set<String> versioned = new HashSet<>();
            for (Path jar : jars) {
                JarFile jf = new JarFile(jar.toFile());
                open.add(jf);
                jf.stream().map(ZipEntry::getName).filter(n -> n.startsWith("META-INF/versions/"))
                        .map(n -> n.substring(n.indexOf('/', "META-INF/versions/".length()) + 1))
                        .forEach(versioned::add);
            }
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().putValue("Created-By", "Baetyl for Java install (CommonClassesJar)");
            try (OutputStream os = Files.newOutputStream(tmp); JarOutputStream jos = new JarOutputStream(os, manifest)) {
                for (String name : names) {
                    String entry = name + ".class";
                    if (versioned.contains(entry) || name.endsWith("module-info")) {
                        continue;
                    }
                    byte[] bytes = sameInAll(open, entry);
                    if (bytes != null) {
                        jos.putNextEntry(new JarEntry(entry));
                        jos.write(bytes);
                        jos.closeEntry();
                        taken.add(name);
                    }
                }
            }
            if (taken.isEmpty()) {
                throw new IOException("the jars have none of the listed classes in common");
            }
            Files.move(tmp, outJar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.write(classes, taken, StandardCharsets.UTF_8);
            try (BufferedWriter w = Files.newBufferedWriter(infoTmp, StandardCharsets.UTF_8)) {
                w.write(infoLine(outJar, "-"));
                for (int i = 0; i < jars.size(); i++) {
                    String main = open.get(i).getManifest() == null ? null
                            : open.get(i).getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
                    w.write(infoLine(jars.get(i), main == null || main.isBlank() ? "-" : main.strip()));
                }
            }
            Files.move(infoTmp, info, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return taken.size();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(infoTmp);
            Files.deleteIfExists(outJar);
            Files.deleteIfExists(classes);
            throw e;
        } finally {
            for (JarFile jf : open) {
                jf.close();
            }
        }
    }

    /** The bytes of ENTRY when every jar has it and all of them are the same, else null. */
    private static byte[] sameInAll(List<JarFile> jars, String entry) throws IOException {
        byte[] first = null;
        for (JarFile jf : jars) {
            JarEntry e = jf.getJarEntry(entry);
            if (e == null || e.getSize() > MAX_CLASS_BYTES) {
                return null;
            }
            byte[] bytes;
            try (var in = jf.getInputStream(e)) {
                bytes = in.readNBytes(MAX_CLASS_BYTES + 1);
            }
            if (bytes.length > MAX_CLASS_BYTES) {
                return null;
            }
            if (first == null) {
                first = bytes;
            } else if (!Arrays.equals(first, bytes)) {
                return null;
            }
        }
        return first;
    }

    /** {@code size mtime-seconds main path}, what scripts/cds-pair.sh compares with {@code stat -c '%s %Y'}. */
    private static String infoLine(Path file, String main) throws IOException {
        if (main.contains(" ") || file.toString().contains("\n")) {
            throw new IOException("cannot record " + file + " (main class '" + main + "')");
        }
        long mtime = Files.getLastModifiedTime(file).to(TimeUnit.SECONDS);
        return Files.size(file) + " " + mtime + " " + main + " " + file + "\n";
    }
}
