package io.baetyl.master.engine.nativeengine;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.check.NativePackages;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.Instance;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.master.engine.ServiceDefinition;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.Names;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs instances as processes, the way Baetyl's native mode does: each service gets a working dir
 * {@code var/run/baetyl/services/<svc>} whose volume targets are symlinks into the master's working dir, the API
 * socket is linked at {@code var/run/baetyl.sock} inside it, and {@code image} names a package dir at
 * {@code lib/baetyl/<image>} whose {@code package.yml} gives the program to run.
 */
public class NativeEngine implements Engine {
    private static final Logger log = LoggerFactory.getLogger(NativeEngine.class);

    private final Path workDir;
    private final PathGuard guard;
    private final Path apiSocket;
    private final Duration grace;

    /**
     * @param workDir   the master's working dir (absolute)
     * @param apiSocket absolute path of the API's unix socket, or null when the API listens on tcp
     * @param grace     how long recovered orphans get between SIGTERM and SIGKILL
     */
    public NativeEngine(Path workDir, Path apiSocket, Duration grace) {
        this.workDir = workDir.toAbsolutePath().normalize();
        this.guard = new PathGuard(this.workDir);
        this.apiSocket = apiSocket;
        this.grace = grace;
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public void prepare(AppConfig app) {
        // Native mode has no images, networks or named volumes to prepare.
    }

    Path serviceDir(String service) {
        return workDir.resolve("var/run/baetyl/services").resolve(service);
    }

    @Override
    public void setupService(ServiceDefinition service) throws EngineException {
        Path dir = serviceDir(service.name());
        try {
            deleteRecursively(dir);
            Files.createDirectories(dir);
            Path realDir = dir.toRealPath();
            List<ServiceVolume> volumes = service.spec().volumes;
            for (int i = 0; i < volumes.size(); i++) {
                ServiceVolume v = volumes.get(i);
                String key = v.keyIn("services." + service.name(), i);
                // The host path, after symlinks, inside the working dir: what gets linked is what was checked.
                Path source = guard.resolve(key, v.source);
                if (!Files.exists(source)) {
                    Files.createDirectories(source);
                }
                // The link's place inside the service dir. Its parent must stay inside the working dir even when
                // an earlier volume's link lies on the way (nested targets), so nothing is created or deleted
                // through a symlink that leads elsewhere.
                Path target = confine(realDir, v.target);
                Path parent = PathGuard.inside("services." + service.name() + ".volumes[" + i + "].target", v.target,
                        target.getParent(), guard.root(), "the working dir");
                Files.createDirectories(parent);
                target = parent.resolve(target.getFileName());
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, source);
            }
            linkInstalledPackage(service, realDir);
            if (apiSocket != null) {
                Path link = dir.resolve("var/run/baetyl.sock");
                Files.createDirectories(link.getParent());
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, apiSocket);
            }
        } catch (IllegalArgumentException e) {
            throw new EngineException("service " + service.name() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new EngineException("service " + service.name() + ": cannot prepare " + dir + ": "
                    + LogSafe.q(e.toString()), e);
        }
    }

    /**
     * Links the installed package the image names ({@code var/db/baetyl/<name>}, see {@link NativePackages}) at the
     * service's package path, unless a volume of the service is mounted there. So the docs' apps need no
     * {@code *-bin} volumes.
     */
    private void linkInstalledPackage(ServiceDefinition service, Path realDir) throws IOException {
        NativePackages.Resolved pkg = NativePackages.resolve(guard.root(), service.spec(), service.volumes().keySet());
        if (pkg.source() != NativePackages.Source.INSTALLED) {
            return;
        }
        String key = service.spec().keyIn(service.name()) + ".image";
        Path installed = PathGuard.inside(key, service.spec().image, pkg.hostDir(), guard.root(), "the working dir");
        Path link = confine(realDir, pkg.servicePath());
        Path parent = PathGuard.inside(key, service.spec().image, link.getParent(), realDir, "the service dir");
        Files.createDirectories(parent);
        link = parent.resolve(link.getFileName());
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, installed);
        log.info("package linked: service={} image={} package={}", service.name(), LogSafe.q(service.spec().image),
                LogSafe.q(guard.root().relativize(installed)));
    }

    @Override
    public void teardownService(String serviceName) {
        try {
            deleteRecursively(serviceDir(serviceName));
        } catch (IOException e) {
            log.warn("cannot remove working dir of service={}: {}", serviceName, e.toString());
        }
    }

    @Override
    public Instance start(InstanceSpec spec) throws EngineException {
        String svc = spec.service().name();
        Path dir = serviceDir(svc);
        Path exec = resolveEntry(svc, dir, spec.service().spec().image);
        String launchId = UUID.randomUUID().toString();
        List<String> argv = new ArrayList<>();
        // bash's exec -a sets argv[0] to the instance name, as Baetyl does, so ps shows which instance is which.
        argv.add("/bin/bash");
        argv.add("-c");
        argv.add("exec -a \"$0\" \"$@\"");
        argv.add(spec.name());
        argv.add(exec.toString());
        argv.addAll(spec.service().spec().command);
        // Host env, then service env, master variables and instance variables, later ones winning (as in Baetyl).
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).inheritIO();
        pb.environment().putAll(spec.env());
        pb.environment().put(NativeInstance.LAUNCH_ID_ENV, launchId);
        Process process;
        try {
            process = pb.start();
        } catch (IOException first) {
            log.warn("failed to start instance={} of service={}, retrying once: {}", LogSafe.q(spec.name()), svc,
                    LogSafe.q(first.toString()));
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new EngineException("service " + svc + ": cannot start " + LogSafe.q(exec) + ": "
                        + LogSafe.q(e.getMessage()), e);
            }
        }
        log.info("instance started: service={} instance={} pid={} entry={}", svc, LogSafe.q(spec.name()), process.pid(),
                LogSafe.q(exec));
        return new NativeInstance(spec.name(), process, exec, launchId);
    }

    /**
     * Finds the executable of a package, with an error that says exactly what is missing. The package directory
     * must lie inside the working dir and the entry must be a file inside the package directory, both after
     * symlinks: {@code entry: /bin/sh} or {@code entry: ../../x} is refused.
     */
    Path resolveEntry(String svc, Path serviceDir, String image) throws EngineException {
        String pkg = image.trim().replace(':', '/');
        Path pkgDir = serviceDir.resolve("lib/baetyl").resolve(pkg).normalize();
        if (!pkgDir.startsWith(serviceDir.resolve("lib/baetyl"))) {
            throw new EngineException("service " + svc + ": image '" + LogSafe.q(image) + "' leads outside lib/baetyl");
        }
        if (!Files.isDirectory(pkgDir)) {
            String name = NativePackages.packageName(image);
            throw new EngineException("service " + svc + ": package '" + LogSafe.q(pkg) + "' not found: install it as "
                    + NativePackages.INSTALL_DIR.resolve(name == null ? "<name>" : name) + " or mount its directory at "
                    + "lib/baetyl/" + LogSafe.q(pkg) + " (no directory " + LogSafe.q(pkgDir) + ")");
        }
        Path realPkg;
        try {
            realPkg = PathGuard.inside("services." + svc + ".image", image, pkgDir, guard.root(), "the working dir");
        } catch (IllegalArgumentException e) {
            throw new EngineException("service " + svc + ": " + e.getMessage(), e);
        }
        Path pkgFile = pkgDir.resolve("package.yml");
        if (!Files.exists(pkgFile)) {
            throw new EngineException("service " + svc + ": " + realPath(pkgFile) + ": file not found (a native package needs package.yml with an entry)");
        }
        PackageConfig pc;
        try {
            pc = ConfigLoader.load(pkgFile, PackageConfig.class);
        } catch (ConfigException e) {
            throw new EngineException("service " + svc + ": " + e.getMessage(), e);
        }
        String entry = LogSafe.q(pc.entry);
        Path exec = pkgDir.resolve(pc.entry).normalize();
        try {
            PathGuard.inside("entry", pc.entry, exec, realPkg, "its package directory");
        } catch (IllegalArgumentException e) {
            String to;
            try {
                to = "; it resolves to " + LogSafe.q(exec.toRealPath());
            } catch (IOException notThere) {
                to = "";
            }
            throw new EngineException("service " + svc + ": " + realPath(pkgFile) + ": entry '" + entry
                    + "' must be a file inside the package directory " + realPkg + to, e);
        }
        if (!Files.isRegularFile(exec)) {
            throw new EngineException("service " + svc + ": " + realPath(pkgFile) + ": entry '" + entry + "' not found");
        }
        if (!Files.isExecutable(exec)) {
            throw new EngineException("service " + svc + ": " + realPath(pkgFile) + ": entry '" + entry
                    + "' is not executable (chmod +x it)");
        }
        return exec;
    }

    @Override
    public void recover(Map<String, Map<String, Map<String, Object>>> recorded) {
        recorded.forEach((svc, instances) -> instances.forEach((name, record) -> {
            Optional<ProcessHandle> orphan = NativeInstance.findRecorded(svc, name, record);
            if (orphan.isPresent()) {
                ProcessHandle p = orphan.get();
                log.info("stopping orphan instance={} of service={} pid={} left by a previous master", LogSafe.q(name),
                        LogSafe.q(svc), p.pid());
                NativeInstance.terminate(p, grace);
            }
            if (Names.SERVICE.matcher(svc).matches()) { // a name from the file becomes a path only when valid
                teardownService(svc);
            }
        }));
    }

    @Override
    public String masterApiAddressForInstances(String configuredAddress) {
        // Every service dir links the socket at var/run/baetyl.sock, and instances run in their service dir.
        return configuredAddress.startsWith("unix://") ? "unix://var/run/baetyl.sock" : configuredAddress;
    }

    @Override
    public void close() {
    }

    /** Resolves {@code p} under {@code base} without letting {@code ..} or an absolute path escape it. */
    static Path confine(Path base, String p) {
        Path rooted = Path.of("/").resolve(p).normalize();
        return base.resolve(Path.of("/").relativize(rooted));
    }

    private static String realPath(Path p) {
        try {
            return p.getParent().toRealPath() + "/" + p.getFileName();
        } catch (IOException e) {
            return p.toString();
        }
    }

    /** Deletes a tree without following symlinks: a volume link is removed, never what it points to. */
    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
