package io.baetyl.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.baetyl.sdk.api.HttpMasterClient;
import io.baetyl.sdk.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A real install tree made by {@code SKIP_BUILD=1 scripts/install.sh <dir>} and the real {@code bin/baetyl} running
 * on it. Listen addresses of the copied configs are rewritten to random 127.0.0.1 ports; the API socket stays
 * under the install dir. {@link #close()} stops the master (SIGTERM) and then, by PID, whatever it started that is
 * still alive.
 */
final class BaetylHome implements AutoCloseable {
    static final Path REPO = Path.of(System.getProperty("baetyl.repo", "..")).toAbsolutePath().normalize();
    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    final Path home;
    final int mqttPort = FreePorts.next();
    final int sslPort = FreePorts.next();
    private final Path output;
    /** The prefix of this test's copies of the logs ({@link #keepOutput()}). */
    private final String label;
    private Process master;
    /** The master's JVM flags ({@code BAETYL_JAVA_OPTS}, which replaces the launcher's defaults); null: the defaults. */
    String javaOpts;
    private final Set<Long> startedPids = new TreeSet<>();

    private BaetylHome(Path home, String label) {
        this.home = home;
        this.label = label;
        this.output = home.resolve("master.out");
    }

    /**
     * The native example as {@code SKIP_BUILD=1 scripts/install.sh} lays it out, its listen addresses pointed at random
     * ports. The tests share one install per run, put back as installed before each ({@link SharedInstall});
     * {@code label} names this test's copies of the logs.
     */
    static BaetylHome install(String label) throws Exception {
        BaetylHome b = new BaetylHome(SharedInstall.reset(), label);
        b.rewritePorts();
        return b;
    }

    /**
     * Installs into {@code dir} with {@code env} for install.sh (e.g. {@code MODE=docker},
     * {@code EXAMPLE=video-infer}) and leaves the example's configs as installed: the caller points them at its ports.
     */
    static BaetylHome installExample(Path dir, Map<String, String> env) throws Exception {
        runInstall(dir, env);
        return new BaetylHome(dir, dir.getParent().getFileName().toString());
    }

    /** {@code SKIP_BUILD=1 scripts/install.sh dir}, its output next to {@code dir}. */
    static void runInstall(Path dir, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(REPO.resolve("scripts/install.sh").toString(), dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolveSibling(dir.getFileName() + "-install.out").toFile())
                .directory(REPO.toFile());
        // The reactor has built the jars already; a rebuild here would race other builds of the checkout.
        pb.environment().put("SKIP_BUILD", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("install.sh did not finish in 180s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("install.sh failed: "
                    + Files.readString(dir.resolveSibling(dir.getFileName() + "-install.out")));
        }
    }

    private void rewritePorts() throws IOException {
        replace("var/db/baetyl/localhub-conf/service.yml", "tcp://0.0.0.0:1883", "tcp://127.0.0.1:" + mqttPort);
        replace("var/db/baetyl/localhub-conf/service.yml", "ssl://0.0.0.0:8883", "ssl://127.0.0.1:" + sslPort);
        replace("var/db/baetyl/function-manager-conf/service.yml", "tcp://127.0.0.1:1883", "tcp://127.0.0.1:" + mqttPort);
        replace("etc/baetyl/conf.yml", "grace: 30s", "grace: 5s");
        // The example's timer feeds t every 10s; here it gets its own topic and a short interval, so that it is
        // tested without adding messages to the function tests' topics.
        replace("var/db/baetyl/timer-conf/service.yml", "tcp://127.0.0.1:1883", "tcp://127.0.0.1:" + mqttPort);
        replace("var/db/baetyl/timer-conf/service.yml", "topic: t\n", "topic: e2e/timer\n");
        replace("var/db/baetyl/timer-conf/service.yml", "interval: 10s", "interval: 1s");
    }

    void replace(String relative, String from, String to) throws IOException {
        Path f = home.resolve(relative);
        String s = Files.readString(f);
        if (!s.contains(from)) {
            throw new IllegalStateException(relative + " does not contain '" + from + "'");
        }
        Files.writeString(f, s.replace(from, to));
    }

    Path path(String relative) {
        return home.resolve(relative);
    }

    void write(String relative, String text) throws IOException {
        Path p = home.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    Map<String, Object> readYaml(String relative) throws IOException {
        return YAML.readValue(home.resolve(relative).toFile(), new TypeReference<>() {
        });
    }

    void writeYaml(String relative, Object value) throws IOException {
        YAML.writeValue(home.resolve(relative).toFile(), value);
    }

    /** Starts {@code bin/baetyl start}, waits until the master started its services and the hub accepts. */
    void start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/baetyl").toString(), "start")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        if (javaOpts != null) {
            pb.environment().put("BAETYL_JAVA_OPTS", javaOpts);
        }
        master = pb.start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> output().contains("services started") || !master.isAlive());
        if (!master.isAlive()) {
            throw new IllegalStateException("master exited with " + master.exitValue() + ":\n" + output());
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> accepting(mqttPort));
        rememberPids();
    }

    /** The exit status and output (stdout and stderr) of a command of {@code bin/baetyl}. */
    record Result(int status, String output) {
    }

    /** Runs {@code bin/baetyl ARGS} in the install dir and waits for it (one minute at most). */
    Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/baetyl").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("bin/baetyl " + String.join(" ", args) + " did not finish in 60s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static boolean accepting(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String mqttAddress() {
        return "tcp://127.0.0.1:" + mqttPort;
    }

    String output() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The running master's PID. */
    long masterPid() {
        return master.pid();
    }

    /** Everything below the master, so that close() can stop by PID what the master did not. */
    void rememberPids() {
        if (master != null) {
            master.descendants().forEach(h -> startedPids.add(h.pid()));
        }
    }

    /**
     * Instances of a service as the master recorded them in var/db/baetyl/application.stats: name → pid (the file
     * is rewritten whenever an instance starts or stops).
     */
    @SuppressWarnings("unchecked")
    Map<String, Long> instances(String service) {
        Path stats = home.resolve("var/db/baetyl/application.stats");
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            if (!Files.exists(stats)) {
                return out;
            }
            Map<String, Object> all = YAML.readValue(stats.toFile(), new TypeReference<>() {
            });
            Object svc = all.get(service);
            if (svc instanceof Map<?, ?> m) {
                m.forEach((name, v) -> {
                    Object pid = null;
                    if (v instanceof Map<?, ?> inst && inst.get("process") instanceof Map<?, ?> proc) {
                        pid = proc.get("id");
                    }
                    out.put(String.valueOf(name), pid == null ? -1L : Long.parseLong(String.valueOf(pid)));
                });
            }
        } catch (IOException e) {
            // being rewritten: the caller polls again
        }
        return out;
    }

    /** The master API as the given running service, with the token read from its environment. */
    HttpMasterClient apiAs(String service) throws IOException {
        Long pid = instances(service).get(service);
        if (pid == null || pid < 0) {
            throw new IllegalStateException("service " + service + " is not running");
        }
        String token = null;
        for (String kv : Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0")) {
            if (kv.startsWith("BAETYL_SERVICE_TOKEN=")) {
                token = kv.substring(kv.indexOf('=') + 1);
            }
        }
        return new HttpMasterClient("unix://" + home.resolve("var/run/baetyl.sock"), service, token);
    }

    /**
     * Removes a temporary install (about 100 MB of jars) without following its symlinks; {@code dir} may also be a
     * file or a link (then only the link goes, even when it points nowhere). Nothing when it is gone already.
     */
    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Copies the master's output and the function manager's and hub's logs next to the test reports, so a failure can
     * be read after the run.
     */
    private void keepOutput() {
        String dir = System.getProperty("baetyl.itLogs");
        if (dir == null || !Files.exists(output)) {
            return;
        }
        try {
            Path logs = Path.of(dir);
            Files.createDirectories(logs);
            Files.copy(output, logs.resolve(label + "-master.out"), StandardCopyOption.REPLACE_EXISTING);
            for (String service : List.of("function-manager", "localhub")) {
                Path log = home.resolve("var/db/baetyl/" + service + "-log/service.log");
                if (Files.exists(log)) {
                    Files.copy(log, logs.resolve(label + "-" + service + ".log"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (master != null) {
            rememberPids();
            master.destroy();
            if (!master.waitFor(60, TimeUnit.SECONDS)) {
                master.destroyForcibly();
                master.waitFor(10, TimeUnit.SECONDS);
            }
        }
        List<ProcessHandle> left = new ArrayList<>();
        for (long pid : startedPids) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(left::add);
        }
        left.forEach(ProcessHandle::destroyForcibly);
        keepOutput();
    }
}
