package io.baetyl.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@Timeout(60)
class BaetylRunTest {
    @TempDir
    Path dir;

    /** A module for the child-JVM tests: waits for SIGTERM/SIGINT, or fails when asked to. */
    public static final class Module {
        public static void main(String[] args) {
            Baetyl.run(args, ctx -> {
                if (System.getenv("MODULE_FAIL") != null) {
                    throw new IllegalStateException("boom");
                }
                System.out.println("ready");
                System.out.flush();
                ctx.awaitShutdown();
                System.out.println("closing resources");
                System.out.flush();
                if (System.getenv("MODULE_STUCK") != null) {
                    Thread.sleep(60_000); // a module that never finishes closing
                }
            });
        }
    }

    public static class Cfg {
        public String name = "default";
    }

    private static int run(Map<String, String> env, Baetyl.Handler h, String... args) {
        return Baetyl.run(args, env, h, false);
    }

    @Test
    void handlerReturningIsStatus0AndContextComesFromEnv() {
        AtomicReference<Context> seen = new AtomicReference<>();
        int status = run(Map.of("BAETYL_SERVICE_NAME", "timer", "OPENEDGE_RUNNING_MODE", "docker"), seen::set,
                "-c", dir.resolve("none.yml").toString());

        assertThat(status).isZero();
        Context ctx = seen.get();
        assertThat(ctx.serviceName()).isEqualTo("timer");
        assertThat(ctx.instanceName()).isEqualTo("timer");
        assertThat(ctx.mode()).isEqualTo("docker");
        assertThat(ctx.isNative()).isFalse();
        assertThat(ctx.configFile()).isEqualTo(dir.resolve("none.yml"));
        assertThat(ctx.master()).isNull();
        ctx.reportInstance(Map.of("a", 1)); // standalone: dropped, no error
    }

    @Test
    void defaultsConfigFileAndNativeMode() {
        AtomicReference<Context> seen = new AtomicReference<>();
        assertThat(run(Map.of(), seen::set)).isZero();
        assertThat(seen.get().configFile()).isEqualTo(Path.of("etc/baetyl/service.yml"));
        assertThat(seen.get().isNative()).isTrue();
        assertThat(seen.get().serviceName()).isNull();
    }

    @Test
    void handlerThrowingIsStatus1() {
        assertThat(run(Map.of(), ctx -> {
            throw new IOException("broken");
        })).isEqualTo(1);
    }

    @Test
    void badConfigIsStatus1WithOneClearErrorLine() throws IOException {
        Path file = dir.resolve("service.yml");
        Files.writeString(file, "name: [unclosed\n");
        List<String> errors = new CopyOnWriteArrayList<>();

        int status = Baetyl.run(new String[] {"-c", file.toString()}, Map.of(), ctx -> {
            fail();
        }, false);
        assertThat(status).isEqualTo(1); // the logger block cannot even be read

        Files.writeString(file, "name: ok\nlogger:\n  level: info\n");
        status = run(Map.of(), ctx -> {
            ListAppender<ILoggingEvent> appender = capture();
            Files.writeString(file, "name: [unclosed\n");
            try {
                ctx.loadConfig(Cfg.class);
            } finally {
                appender.list.stream().filter(e -> e.getLevel().toString().equals("ERROR"))
                        .forEach(e -> errors.add(e.getFormattedMessage()));
            }
        }, "-c", file.toString());

        assertThat(status).isEqualTo(1);
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).startsWith("failed to load config: " + file).contains("invalid YAML");
    }

    @Test
    void loadConfigReadsTheFileGivenWithC() throws IOException {
        Path file = dir.resolve("service.yml");
        Files.writeString(file, "name: from-file\nhub:\n  address: tcp://localhost:1883\n");
        AtomicReference<Cfg> cfg = new AtomicReference<>();

        // "hub" is unknown to Cfg: ServiceConfigLoader warns about it and loads the rest
        assertThat(run(Map.of(), ctx -> cfg.set(ctx.loadConfig(Cfg.class)), "-c", file.toString())).isZero();
        assertThat(cfg.get().name).isEqualTo("from-file");
        Files.writeString(file, "name: second\n");
        assertThat(run(Map.of(), ctx -> cfg.set(ctx.loadConfig(Cfg.class)), "-c=" + file)).isZero();
        assertThat(cfg.get().name).isEqualTo("second");
    }

    @Test
    void loggerBlockIsAppliedOtherKeysAreNotWarnedAbout() throws IOException {
        Path log = dir.resolve("log/service.log");
        Path file = dir.resolve("service.yml");
        Files.writeString(file, "hub:\n  address: tcp://localhost:1883\nrules: []\nlogger:\n  path: " + log
                + "\n  level: debug\n");

        assertThat(run(Map.of("BAETYL_SERVICE_NAME", "svc"), ctx -> ctx.log().debug("debug line visible"),
                "-c", file.toString())).isZero();

        String text = Files.readString(log);
        assertThat(text).contains("service starting: service=svc").contains("debug line visible")
                .contains("service stopped").doesNotContain("unknown key");
    }

    @Test
    void missingFlagArgumentIsStatus1() {
        assertThat(run(Map.of(), ctx -> fail(), "-c")).isEqualTo(1);
    }

    @Test
    void reportInstanceGoesToTheMasterFromEnv() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> paths = new CopyOnWriteArrayList<>();
        http.createContext("/", ex -> {
            paths.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " "
                    + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        http.start();
        try {
            Map<String, String> env = Map.of("BAETYL_MASTER_API_ADDRESS", "tcp://127.0.0.1:" + http.getAddress().getPort(),
                    "BAETYL_SERVICE_NAME", "infer", "BAETYL_SERVICE_INSTANCE_NAME", "infer-1",
                    "BAETYL_SERVICE_TOKEN", "tok");
            assertThat(run(env, ctx -> {
                assertThat(ctx.master()).isNotNull();
                ctx.reportInstance(Map.of("stats", Map.of("msg_count", 124)));
            })).isZero();
        } finally {
            http.stop(0);
        }
        assertThat(paths).containsExactly("PUT /v1/services/infer/instances/infer-1/report {\"stats\":{\"msg_count\":124}}");
    }

    @Test
    void requestShutdownReleasesAwaitShutdown() {
        assertThat(run(Map.of(), ctx -> {
            new Thread(((DefaultContext) ctx)::requestShutdown).start();
            ctx.awaitShutdown();
        })).isZero();
    }

    @Test
    void sigtermStopsTheModuleCleanlyWithStatus0() throws Exception {
        Process p = startModule(Map.of());
        List<String> out = new ArrayList<>();
        BufferedReader reader = awaitLine(p, "ready", out);

        signal(p, "TERM"); // Process.destroy() would also close our end of its output

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        readRest(reader, out);
        assertThat(p.exitValue()).as(String.join("\n", out)).isZero();
        assertThat(String.join("\n", out)).contains("closing resources").contains("service stopped");
    }

    @Test
    void sigintStopsTheModuleCleanlyWithStatus0() throws Exception {
        // A process started in the background by a non-interactive shell (`cmd &`, nohup) ignores SIGINT, and so does
        // every process it starts: the JVM then installs no handler for it. Only a module that can see SIGINT is tested.
        org.junit.jupiter.api.Assumptions.assumeFalse(sigintIgnoredHere(),
                "SIGINT is ignored by this test JVM (inherited from the shell that started the build), so a child "
                        + "cannot receive it; run the build in the foreground to test SIGINT");
        Process p = startModule(Map.of());
        List<String> out = new ArrayList<>();
        BufferedReader reader = awaitLine(p, "ready", out);

        signal(p, "INT");

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        readRest(reader, out);
        assertThat(p.exitValue()).as(String.join("\n", out)).isZero();
        assertThat(String.join("\n", out)).contains("closing resources");
    }

    /** Whether SIGINT (signal 2) is in this process's ignored set, from /proc/self/status's SigIgn mask. */
    private static boolean sigintIgnoredHere() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (2 - 1))) != 0;
            }
        }
        return false;
    }

    @Test
    void secondSignalExitsAtOnceWhenTheModuleHangsWhileClosing() throws Exception {
        Process p = startModule(Map.of("MODULE_STUCK", "1"));
        List<String> out = new ArrayList<>();
        BufferedReader reader = awaitLine(p, "ready", out);

        signal(p, "TERM");
        awaitLine(p, reader, "closing resources", out);
        signal(p, "TERM");

        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(128 + 15);
    }

    @Test
    void failingModuleExitsWithStatus1() throws Exception {
        Process p = startModule(Map.of("MODULE_FAIL", "1"));
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.exitValue()).as(out).isEqualTo(1);
        assertThat(out).contains("service stopped with error").contains("boom");
    }

    private Process startModule(Map<String, String> extraEnv) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Module.class.getName(), "-c", dir.resolve("none.yml").toString())
                .redirectErrorStream(true);
        pb.environment().putAll(extraEnv);
        return pb.start();
    }

    private static void signal(Process p, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private static BufferedReader awaitLine(Process p, String wanted, List<String> out) throws IOException {
        return awaitLine(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                wanted, out);
    }

    private static BufferedReader awaitLine(Process p, BufferedReader r, String wanted, List<String> out)
            throws IOException {
        String line;
        while ((line = r.readLine()) != null) {
            out.add(line);
            if (line.equals(wanted)) {
                return r;
            }
        }
        throw new AssertionError("module ended before printing '" + wanted + "': " + out);
    }

    private static void readRest(BufferedReader r, List<String> out) throws IOException {
        String line;
        while ((line = r.readLine()) != null) {
            out.add(line);
        }
    }

    private static ListAppender<ILoggingEvent> capture() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
        return appender;
    }

    private static void fail() {
        throw new AssertionError("handler must not run");
    }
}
