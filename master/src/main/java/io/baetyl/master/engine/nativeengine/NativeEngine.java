package io.baetyl.master.engine.nativeengine;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.Instance;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.master.engine.ServiceDefinition;
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
    private final Path apiSocket;
    private final Duration grace;

    /**
     * @param workDir   the master's working dir (absolute)
     * @param apiSocket absolute path of the API's unix socket, or null when the API listens on tcp
     * @param grace     how long recovered orphans get between SIGTERM and SIGKILL
     */
    public NativeEngine(Path workDir, Path apiSocket, Duration grace) {
        this.workDir = workDir.toAbsolutePath().normalize();
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
            for (ServiceVolume v : service.spec().volumes) {
                if (v.source == null || v.source.isBlank()) {
                    throw new EngineException("service " + service.name() + ": volume for " + v.target + " has an empty host path");
                }
                Path source = confine(workDir, v.source);
                Path target = confine(dir, v.target);
                if (!Files.exists(source)) {
                    Files.createDirectories(source);
                }
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, source);
            }
            if (apiSocket != null) {
                Path link = dir.resolve("var/run/baetyl.sock");
                Files.createDirectories(link.getParent());
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, apiSocket);
            }
        } catch (IOException e) {
            throw new EngineException("service " + service.name() + ": cannot prepare " + dir + ": " + e, e);
        }
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
        Process process;
        try {
            process = pb.start();
        } catch (IOException first) {
            log.warn("failed to start instance={} of service={}, retrying once: {}", spec.name(), svc, first.toString());
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new EngineException("service " + svc + ": cannot start " + exec + ": " + e.getMessage(), e);
            }
        }
        log.info("instance started: service={} instance={} pid={} entry={}", svc, spec.name(), process.pid(), exec);
        return new NativeInstance(spec.name(), process, exec.getFileName().toString());
    }

    /** Finds the executable of a package, with an error that says exactly what is missing. */
    Path resolveEntry(String svc, Path serviceDir, String image) throws EngineException {
        String pkg = image.trim().replace(':', '/');
        Path pkgDir = serviceDir.resolve("lib/baetyl").resolve(pkg);
        if (!Files.isDirectory(pkgDir)) {
            throw new EngineException("service " + svc + ": package '" + pkg + "' not found: mount its directory at lib/baetyl/"
                    + pkg + " (no directory " + pkgDir + ")");
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
        Path exec = pkgDir.resolve(pc.entry).normalize();
        if (!Files.isRegularFile(exec)) {
            throw new EngineException("service " + svc + ": " + realPath(pkgFile) + ": entry '" + pc.entry + "' not found");
        }
        if (!Files.isExecutable(exec)) {
            throw new EngineException("service " + svc + ": " + realPath(pkgFile) + ": entry '" + pc.entry
                    + "' is not executable (chmod +x it)");
        }
        return exec;
    }

    @Override
    public void recover(Map<String, Map<String, Map<String, Object>>> recorded) {
        recorded.forEach((svc, instances) -> instances.forEach((name, info) -> {
            Optional<ProcessHandle> orphan = NativeInstance.findRecorded(info);
            if (orphan.isPresent()) {
                ProcessHandle p = orphan.get();
                log.info("stopping orphan instance={} of service={} pid={} left by a previous master", name, svc, p.pid());
                NativeInstance.terminate(p, grace);
            }
            teardownService(svc);
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
