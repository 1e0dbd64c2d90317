package io.baetyl.agent.it;

import static org.awaitility.Awaitility.await;

import io.baetyl.testcloud.TestCloud;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An install tree laid out as scripts/install.sh does (bin/baetyl, lib/baetyl/baetyl-master.jar, the agent's
 * native package var/db/baetyl/baetyl-agent with the real launcher), an app of the agent and two recorder
 * services, and the real master running on it in native mode. The agent talks to a {@link TestCloud}.
 */
final class AgentHome implements AutoCloseable {
    static final Path REPO = Path.of(System.getProperty("baetyl.repo", "..")).toAbsolutePath().normalize();
    static final Path MASTER_JAR = Path.of(System.getProperty("baetyl.masterJar", "../master/target/baetyl-master-1.0.0-SNAPSHOT-all.jar"));
    static final Path AGENT_JAR = Path.of(System.getProperty("baetyl.agentJar", "target/baetyl-agent-1.0.0-SNAPSHOT-all.jar"));
    static final String DEVICE = "dev1";

    final Path home;
    final Path records;
    private final Path output;
    private Process master;
    private int runs;

    AgentHome(Path tmp, TestCloud cloud, String reportInterval) throws IOException {
        home = tmp.resolve("baetyl");
        records = tmp.resolve("records");
        output = tmp.resolve("master.out");
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib/baetyl"));
        Files.createDirectories(records);
        Files.copy(REPO.resolve("scripts/baetyl"), home.resolve("bin/baetyl"));
        // A copy, not a link: a master OTA replaces it.
        Files.copy(MASTER_JAR, home.resolve("lib/baetyl/baetyl-master.jar"));
        agentPackage();
        recorderPackage();
        write("etc/baetyl/conf.yml", """
                mode: native
                grace: 3s
                server:
                  address: unix://var/run/baetyl.sock
                logger:
                  path: var/log/baetyl/baetyl.log
                  level: debug
                """);
        copyTree(cloud.deviceDir(DEVICE), home.resolve("var/db/baetyl/agent-cert"));
        agentConf(cloud, cloud.httpsAddress(), reportInterval);
        write("var/db/baetyl/svc-a-conf/conf.txt", "a1");
        write("var/db/baetyl/svc-b-conf/conf.txt", "b1");
        app(appV1());
    }

    /** The agent's service.yml: the test cloud's endpoints and the device's certificates. */
    void agentConf(TestCloud cloud, String https, String reportInterval) throws IOException {
        write("var/db/baetyl/agent-conf/service.yml", """
                remote:
                  mqtt:
                    clientid: %s
                    address: %s
                    username: %s
                    ca: var/db/baetyl/cert/ca.pem
                    cert: var/db/baetyl/cert/client.pem
                    key: var/db/baetyl/cert/client.key
                    interval: 2s
                  http:
                    address: %s
                    ca: var/db/baetyl/cert/ca.pem
                    timeout: 20s
                  report:
                    interval: %s
                ota:
                  timeout: 90s
                logger:
                  path: var/log/baetyl/service.log
                  level: debug
                """.formatted(DEVICE, cloud.mqttAddress(), DEVICE, https, reportInterval));
    }

    /** The agent's service and volumes as in the docs' chapter 18 app, plus the native package mount. */
    static final String AGENT_SERVICE = """
              - name: agent
                image: baetyl-agent
                replica: 1
                mounts:
                  - {name: agent-conf, path: etc/baetyl, readonly: true}
                  - {name: agent-cert, path: var/db/baetyl/cert, readonly: true}
                  - {name: agent-volumes, path: var/db/baetyl/volumes}
                  - {name: agent-log, path: var/log/baetyl}
                  - {name: baetyl-agent-bin, path: lib/baetyl/baetyl-agent, readonly: true}
            """;
    static final String AGENT_VOLUMES = """
              - {name: agent-conf, path: var/db/baetyl/agent-conf}
              - {name: agent-cert, path: var/db/baetyl/agent-cert}
              - {name: agent-volumes, path: var/db/baetyl}
              - {name: agent-log, path: var/db/baetyl/agent-log}
              - {name: baetyl-agent-bin, path: var/db/baetyl/baetyl-agent}
              - {name: recorder-bin, path: var/db/baetyl/recorder}
            """;

    static String recorder(String name, String confVolume) {
        return """
                  - name: %s
                    image: recorder
                    replica: 1
                    mounts:
                      - {name: %s, path: etc/baetyl, readonly: true}
                      - {name: recorder-bin, path: lib/baetyl/recorder, readonly: true}
                """.formatted(name, confVolume);
    }

    static String appV1() {
        return "version: v1\nservices:\n" + AGENT_SERVICE + recorder("svc-a", "svc-a-conf") + recorder("svc-b", "svc-b-conf")
                + "volumes:\n" + AGENT_VOLUMES
                + "  - {name: svc-a-conf, path: var/db/baetyl/svc-a-conf}\n"
                + "  - {name: svc-b-conf, path: var/db/baetyl/svc-b-conf}\n";
    }

    private void agentPackage() throws IOException {
        Path pkg = home.resolve("var/db/baetyl/baetyl-agent");
        Files.createDirectories(pkg.resolve("bin"));
        Files.createDirectories(pkg.resolve("lib"));
        Files.createSymbolicLink(pkg.resolve("lib/baetyl-agent.jar"), AGENT_JAR.toAbsolutePath());
        Files.copy(REPO.resolve("agent/jvm.options"), pkg.resolve("jvm.options"));
        String launcher = Files.readString(REPO.resolve("scripts/module-launcher.sh")).replace("@NAME@", "baetyl-agent");
        Files.writeString(pkg.resolve("bin/baetyl-agent"), launcher);
        Files.setPosixFilePermissions(pkg.resolve("bin/baetyl-agent"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(pkg.resolve("package.yml"), "entry: bin/baetyl-agent\n");
    }

    private void recorderPackage() throws IOException {
        Path pkg = home.resolve("var/db/baetyl/recorder");
        Files.createDirectories(pkg.resolve("bin"));
        try (InputStream in = AgentHome.class.getResourceAsStream("/it/recorder.sh")) {
            Files.copy(in, pkg.resolve("bin/run.sh"));
        }
        Files.setPosixFilePermissions(pkg.resolve("bin/run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(pkg.resolve("package.yml"), "entry: bin/run.sh\n");
    }

    void app(String yaml) throws IOException {
        write("var/db/baetyl/application.yml", yaml);
    }

    String appFile() throws IOException {
        return Files.readString(home.resolve("var/db/baetyl/application.yml"));
    }

    void write(String relative, String text) throws IOException {
        Path p = home.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    Path path(String relative) {
        return home.resolve(relative);
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Starts {@code bin/baetyl start} and waits until its services started and the agent runs. */
    void start() throws IOException {
        runs++;
        Files.writeString(output, "=== run " + runs + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/baetyl").toString(), "start")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        pb.environment().put("RECORD_DIR", records.toString());
        master = pb.start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> output().contains("services started") || !master.isAlive());
        if (!master.isAlive()) {
            throw new IllegalStateException("master exited with " + master.exitValue() + ":\n" + output());
        }
    }

    Process master() {
        return master;
    }

    String output() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent's own log file (its agent-log volume). */
    String agentLog() {
        try {
            Path log = home.resolve("var/db/baetyl/agent-log/service.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Recorded events, each {@code [kind, instance, pid, millis]}. */
    List<String[]> events() {
        Path log = records.resolve("events.log");
        try {
            return Files.exists(log) ? Files.readAllLines(log).stream().map(l -> l.split(" ")).toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> starts(String instance) {
        List<String> pids = new ArrayList<>();
        for (String[] e : events()) {
            if (e[0].equals("start") && e[1].equals(instance)) {
                pids.add(e[2]);
            }
        }
        return pids;
    }

    String conf(String instance) throws IOException {
        return Files.readString(records.resolve(instance + ".conf")).trim();
    }

    /** The pid of a running instance, from the master's var/db/baetyl/application.stats (-1 when not running). */
    long pidOf(String service) {
        Path stats = home.resolve("var/db/baetyl/application.stats");
        try {
            if (!Files.exists(stats)) {
                return -1;
            }
            java.util.Map<?, ?> all = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readValue(stats.toFile(), java.util.Map.class);
            if (all != null && all.get(service) instanceof java.util.Map<?, ?> svc
                    && svc.get(service) instanceof java.util.Map<?, ?> inst
                    && inst.get("process") instanceof java.util.Map<?, ?> proc && proc.get("id") != null) {
                return Long.parseLong(String.valueOf(proc.get("id")));
            }
        } catch (IOException | RuntimeException e) {
            // being rewritten: the caller polls again
        }
        return -1;
    }

    /** SIGTERM to the master; its exit code. */
    int stop() throws InterruptedException {
        master.destroy();
        if (!master.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("master ignored SIGTERM");
        }
        return master.exitValue();
    }

    private void keepOutput() {
        String dir = System.getProperty("baetyl.itLogs");
        if (dir == null) {
            return;
        }
        try {
            Path logs = Path.of(dir);
            Files.createDirectories(logs);
            String name = home.getParent().getFileName().toString();
            if (Files.exists(output)) {
                Files.copy(output, logs.resolve(name + "-master.log"), StandardCopyOption.REPLACE_EXISTING);
            }
            Path agent = home.resolve("var/db/baetyl/agent-log/service.log");
            if (Files.exists(agent)) {
                Files.copy(agent, logs.resolve(name + "-agent.log"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // best effort
        }
    }

    @Override
    public void close() {
        if (master != null && master.isAlive()) {
            master.destroy();
            try {
                if (!master.waitFor(30, TimeUnit.SECONDS)) {
                    master.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        keepOutput();
        // Whatever a broken run left: the recorders (by their pids) and the agent.
        for (String[] e : events()) {
            if (e[0].equals("start")) {
                Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(e[2]))
                        .filter(h -> h.info().commandLine().map(c -> c.contains("run.sh")).orElse(false));
                p.ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        long agent = pidOf("agent");
        if (agent > 0) {
            ProcessHandle.of(agent).filter(h -> h.info().commandLine().map(c -> c.contains("baetyl-agent")).orElse(false))
                    .ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
