package io.baetyl.master.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the docker ITs share: the skip when no daemon answers, a docker-java client to look at what the master
 * did, and cleanup of every container a test's install created (they carry its working dir as a label).
 */
final class DockerSupport implements AutoCloseable {
    /** The module images' registry prefix, as scripts/build-images.sh tags them. */
    static final String REGISTRY = System.getProperty("baetyl.it.registry", "baetyl/");
    /** A plain image whose default command is a shell: the base image build-images.sh imports. */
    static final String BASE_IMAGE = System.getProperty("baetyl.it.baseImage", "baetyl-local/debian:bookworm-minbase");

    /** The repository root (the launcher is scripts/baetyl). */
    static final Path REPO = MasterHarness.LAUNCHER.toAbsolutePath().normalize().getParent().getParent();

    final DockerClient docker;

    private DockerSupport() {
        String host = Optional.ofNullable(System.getenv("DOCKER_HOST")).orElse("unix:///var/run/docker.sock");
        var cfg = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
        docker = DockerClientImpl.getInstance(cfg, new ZerodepDockerHttpClient.Builder().dockerHost(URI.create(host)).build());
    }

    /** Skips the calling test class when {@code docker info} fails (no docker CLI or no daemon); nothing else skips. */
    static DockerSupport requireDocker() {
        String why;
        try {
            Process p = new ProcessBuilder("docker", "info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean done = p.waitFor(30, TimeUnit.SECONDS);
            why = done && p.exitValue() == 0 ? null : "docker info failed: " + out.lines().reduce((a, b) -> b).orElse("");
        } catch (IOException | InterruptedException e) {
            why = "docker info failed: " + e.getMessage();
        }
        String reason = why;
        assumeTrue(reason == null, () -> "Docker ITs skipped, no docker daemon (run scripts/build-images.sh): " + reason);
        return new DockerSupport();
    }

    /** A suffix that keeps this test's container names apart from other runs and real installs. */
    static String uniqueSuffix() {
        return "it" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Switches a harness install to docker mode. */
    static void dockerConf(MasterHarness baetyl, String extra) throws IOException {
        baetyl.conf("""
                mode: docker
                grace: 2s
                server:
                  address: unix://var/run/baetyl.sock
                logger:
                  path: var/log/baetyl/baetyl.log
                  level: debug
                """ + extra);
    }

    /** Containers this install created (running or not), by the working-dir label the engine puts on them. */
    List<Container> containersOf(MasterHarness baetyl) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("baetyl", "baetyl", "baetyl.workdir", baetyl.home.toAbsolutePath().normalize().toString()))
                .exec();
    }

    /** Container name → id for this install's containers. */
    Map<String, String> idsByName(MasterHarness baetyl) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Container c : containersOf(baetyl)) {
            out.put(c.getNames()[0].substring(1), c.getId());
        }
        return out;
    }

    Optional<InspectContainerResponse> inspect(String nameOrId) {
        try {
            return Optional.of(docker.inspectContainerCmd(nameOrId).exec());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    boolean running(String nameOrId) {
        return inspect(nameOrId).map(c -> Boolean.TRUE.equals(c.getState().getRunning())).orElse(false);
    }

    static Map<String, String> env(InspectContainerResponse c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : c.getConfig().getEnv()) {
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return env;
    }

    /** Removes every container of the install: a test's cleanup, whatever the master left. */
    void removeContainersOf(MasterHarness baetyl) {
        for (Container c : containersOf(baetyl)) {
            try {
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            } catch (NotFoundException e) {
                // gone meanwhile
            }
        }
    }

    /**
     * Copies example/docker into the harness home with the services renamed {@code <name>-<suffix>} (container
     * names are instance names, so two runs must not share them), the hub's ports published on random loopback
     * ports, test certificates readable by the modules' user, and returns the MQTT port.
     */
    static int installExample(MasterHarness baetyl, String suffix) throws Exception {
        copyTree(REPO.resolve("example/docker"), baetyl.home);
        Path genCerts = REPO.resolve("scripts/gen-test-certs.sh");
        int mqtt = freePort();
        Path app = baetyl.home.resolve("var/db/baetyl/application.yml");
        String services = "(localhub|function-manager|function-python3-sayhi|function-node8-sayhi|function-sql-filter|timer)";
        String rename = "(?<![-\\w])" + services + "(?![-\\w])";
        String text = Files.readString(app)
                .replaceAll(rename, "$1-" + suffix)
                .replace("- 1883:1883", "- 127.0.0.1:" + mqtt + ":1883")
                .replace("- 8883:8883", "- 127.0.0.1::8883");
        Files.writeString(app, text);
        Path fm = baetyl.home.resolve("var/db/baetyl/function-manager-conf/service.yml");
        if (Files.exists(fm)) {
            Files.writeString(fm, Files.readString(fm).replaceAll(rename, "$1-" + suffix)
                    // Short idle times, so the test sees the python instance evicted.
                    .replace("      min: 0\n      max: 10\n", "      min: 0\n      max: 10\n      idletime: 3s\n      evicttime: 1s\n"));
        }
        Path timer = baetyl.home.resolve("var/db/baetyl/timer-conf/service.yml");
        if (Files.exists(timer)) {
            Files.writeString(timer, Files.readString(timer).replace("tcp://localhub:", "tcp://localhub-" + suffix + ":")
                    // Its messages on t would start the functions again while the test waits for their eviction.
                    .replace("interval: 10s", "interval: 1h"));
        }
        Path certs = baetyl.home.resolve("var/db/baetyl/localhub-cert-only-for-test");
        Process p = new ProcessBuilder(genCerts.toString(), certs.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("gen-test-certs.sh failed");
        }
        // The hub runs as uid/gid 1000 in its image; the generated key is root-only.
        new ProcessBuilder("chgrp", "1000", certs.resolve("server.key").toString()).start().waitFor();
        new ProcessBuilder("chmod", "g+r", certs.resolve("server.key").toString()).start().waitFor();
        return mqtt;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        docker.close();
    }
}
