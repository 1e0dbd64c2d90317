package io.baetyl.master.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.sdk.api.HttpMasterClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the real {@code bin/baetyl} launcher and master jar on a temporary install tree, with small shell-script
 * packages that record what happens to them in {@code records/events.log}.
 */
final class MasterHarness implements AutoCloseable {
    /**
     * How long the ITs wait for the master and its instances to reach a state: generous, because on a loaded two-core
     * machine a JVM start alone can take tens of seconds. Awaitility returns as soon as the state is there, so a green
     * run is no slower for it; only a broken one waits this long.
     */
    static final Duration PATIENCE = Duration.ofSeconds(90);
    static final Path LAUNCHER = Path.of(System.getProperty("baetyl.launcher", "../scripts/baetyl"));
    static final Path MASTER_JAR = Path.of(System.getProperty("baetyl.masterJar", "target/baetyl-master-all.jar"));

    final Path home;
    final Path records;
    private final Path output;
    private Process master;
    private int runs;
    /** A command that execs {@code bin/baetyl start} (e.g. {@code nohup}), so that the master keeps its PID. */
    List<String> wrapper = List.of();
    /** JVM options for the master (BAETYL_JAVA_OPTS of the launcher), or null for the launcher's own. */
    String javaOpts;

    MasterHarness(Path tmp) throws IOException {
        home = tmp.resolve("baetyl");
        records = tmp.resolve("records");
        output = tmp.resolve("master.out");
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib/baetyl"));
        Files.createDirectories(records);
        Files.copy(LAUNCHER, home.resolve("bin/baetyl"));
        Files.createSymbolicLink(home.resolve("lib/baetyl/baetyl-master.jar"), MASTER_JAR.toAbsolutePath());
        conf("""
                mode: native
                grace: 2s
                server:
                  address: unix://var/run/baetyl.sock
                logger:
                  path: var/log/baetyl/baetyl.log
                  level: debug
                """);
        recorderPackage("recorder");
    }

    /** Replaces the jar symlink by a copy, for tests that replace the master (OTA). */
    Path copyMasterJar() throws IOException {
        Path jar = home.resolve("lib/baetyl/baetyl-master.jar");
        Files.delete(jar);
        Files.copy(MASTER_JAR, jar);
        return jar;
    }

    void conf(String yaml) throws IOException {
        write("etc/baetyl/conf.yml", yaml);
    }

    void app(String yaml) throws IOException {
        write("var/db/baetyl/application.yml", yaml);
    }

    void write(String relative, String text) throws IOException {
        Path p = home.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    /** A package at var/db/baetyl/{name} whose entry is the recorder script. */
    void recorderPackage(String name) throws IOException {
        Path pkg = home.resolve("var/db/baetyl").resolve(name);
        Files.createDirectories(pkg.resolve("bin"));
        try (InputStream in = MasterHarness.class.getResourceAsStream("/it/recorder.sh")) {
            Files.copy(in, pkg.resolve("bin/run.sh"));
        }
        Files.setPosixFilePermissions(pkg.resolve("bin/run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(pkg.resolve("package.yml"), "entry: bin/run.sh\n");
    }

    /** The v0 mount and volume lines that put package {@code pkg} at lib/baetyl/{pkg}. */
    static String packageMount(String volume) {
        return "      - {name: " + volume + ", path: lib/baetyl/recorder, readonly: true}\n";
    }

    /** Starts {@code baetyl start} and waits until it logs that the services started. */
    void start() throws IOException {
        launch();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                .until(() -> output().contains("services started") || !master.isAlive());
        if (!master.isAlive()) {
            throw new IllegalStateException("master exited with " + master.exitValue() + ":\n" + output());
        }
    }

    /** Starts {@code baetyl start} without waiting for anything. */
    void startInBackground() throws IOException {
        launch();
    }

    /** Starts {@code baetyl start} and waits for it to exit; returns the exit code. */
    int startExpectingExit() throws Exception {
        launch();
        if (!master.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException("master did not exit:\n" + output());
        }
        return master.exitValue();
    }

    private final Map<String, String> extraEnv = new LinkedHashMap<>();

    /** An environment variable for the master process of the next start (its native services inherit it). */
    void env(String name, String value) {
        extraEnv.put(name, value);
    }

    private void launch() throws IOException {
        runs++;
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(home.resolve("bin/baetyl").toString());
        cmd.add("start");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        pb.environment().put("RECORD_DIR", records.toString());
        pb.environment().putAll(extraEnv);
        if (javaOpts != null) {
            pb.environment().put("BAETYL_JAVA_OPTS", javaOpts);
        }
        Files.writeString(output, "=== run " + runs + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        master = pb.start();
    }

    /** Runs {@code baetyl <args>} to completion and returns exit code and output. */
    CommandResult run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/baetyl").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return new CommandResult(p.exitValue(), out);
    }

    record CommandResult(int code, String output) {
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

    /** Sends SIGTERM to the master and returns its exit code. */
    int stop() throws InterruptedException {
        master.destroy();
        if (!master.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException("master ignored SIGTERM");
        }
        return master.exitValue();
    }

    /** Recorded events, each {@code [kind, instance, pid, millis]}. */
    List<String[]> events() {
        Path log = records.resolve("events.log");
        try {
            if (!Files.exists(log)) {
                return List.of();
            }
            return Files.readAllLines(log).stream().map(l -> l.split(" ")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String[]> events(String kind, String instance) {
        return events().stream().filter(e -> e[0].equals(kind) && e[1].equals(instance)).toList();
    }

    /** The OTA log, var/db/baetyl/ota.log, one parsed JSON object per line; empty when there is none yet. */
    List<Map<String, Object>> otaLog() throws IOException {
        Path log = home.resolve("var/db/baetyl/ota.log");
        if (!Files.exists(log)) {
            return List.of();
        }
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = json.readValue(line, Map.class);
            lines.add(m);
        }
        return lines;
    }

    /** Pid of the last start of an instance. */
    long pidOf(String instance) {
        List<String[]> starts = events("start", instance);
        return Long.parseLong(starts.get(starts.size() - 1)[2]);
    }

    /**
     * The environment the instance's recorder.sh was started with. The recorder writes it just after it records
     * "start", so a test that saw the start may get here first (AuthorizationIT did, on a busy machine): wait for it.
     */
    Map<String, String> envOf(String instance) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        Path file = records.resolve(instance + ".env");
        await().atMost(PATIENCE).until(() -> Files.exists(file));
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    /** A master API client that authenticates as {@code service}, with the token the master gave it. */
    HttpMasterClient clientAs(String service) throws IOException {
        String token = envOf(service).get("BAETYL_SERVICE_TOKEN");
        return new HttpMasterClient("unix://" + home.resolve("var/run/baetyl.sock"), service, token);
    }

    /** Copies the master's output to target/it-logs, so a failed run can be read after @TempDir is gone. */
    private void keepOutput() {
        String dir = System.getProperty("baetyl.itLogs");
        if (dir == null || !Files.exists(output)) {
            return;
        }
        try {
            Path logs = Path.of(dir);
            Files.createDirectories(logs);
            Files.copy(output, logs.resolve(home.getParent().getFileName() + ".log"));
        } catch (IOException e) {
            // best effort: the test result does not depend on it
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public void close() {
        if (master != null && master.isAlive()) {
            master.destroyForcibly();
        }
        keepOutput();
        // Whatever the test left behind: every process the recorder saw start.
        for (String[] e : events()) {
            if (e[0].equals("start")) {
                Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(e[2]))
                        .filter(h -> h.info().commandLine().map(c -> c.contains("run.sh")).orElse(false));
                p.ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
