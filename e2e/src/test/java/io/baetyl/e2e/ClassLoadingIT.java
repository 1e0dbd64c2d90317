package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What each process of the native example loads (issue 18, edge footprint): a library a process never calls must not
 * even be loaded, since its classes cost memory in every JVM. The installed example runs as users start it
 * ({@code bin/baetyl start}, the modules through their launchers and {@code jvm.options}), each JVM with the JDK's
 * class-load log added; one message goes through every function (Python, Node, SQL), then the master stops and the
 * logs are read: the master in native mode loads nothing of Docker's client nor the modules' config classes (the
 * start's check runs them in a child JVM), the hub without an ExHook server nothing of gRPC or protobuf and without a
 * TLS client nothing of the JDK's TLS stack (its ssl listener is set up on the first TLS connection), the timer,
 * the function manager and the SQL runtime nothing of MapDB (the hub's store) or Netty's WebSocket, and the timer,
 * which never calls the master, nothing of Netty's HTTP codec (the master client), gRPC or protobuf. Each log must
 * also show its process's own main class, so a log that was not written cannot pass. Every process also reads at
 * least nine tenths of its JDK classes, and of the library classes common to all the install's Java jars, from the
 * install's class-data-sharing archive. And while the example runs, no process maps a file it unpacked into the temp
 * directory and left there (MapDB's lz4 native library did, in every hub: a kill -9 left it in /tmp).
 */
@Timeout(180)
class ClassLoadingIT {
    /** Package name (var/db/baetyl/NAME) → a class every run of it loads. */
    private static final Map<String, String> OWN_CLASS = Map.of(
            "baetyl-hub", "io.baetyl.hub.HubMain",
            "baetyl-timer", "io.baetyl.timer.",
            "baetyl-function-manager", "io.baetyl.function.",
            "baetyl-function-sql", "io.baetyl.");

    /** Process → class-name prefixes it must not load (matched as "PREFIX" at the start of a logged class name). */
    private static final Map<String, List<String>> FORBIDDEN = new LinkedHashMap<>();

    static {
        // The start's check of the modules' service.yml runs their config classes in a child JVM, not in the master.
        FORBIDDEN.put("master", List.of("com.github.dockerjava.", "io.baetyl.master.engine.docker.", "io.baetyl.hub.",
                "io.baetyl.function.", "io.baetyl.timer.", "io.baetyl.kafka.", "io.baetyl.remote.", "picocli."));
        // The example's hub listens on ssl too, but no client of this test uses it: TLS is set up on the first TLS
        // connection (ListenerTls), so neither the JDK's TLS stack nor Netty's JDK TLS context is loaded.
        FORBIDDEN.put("baetyl-hub", List.of("io.grpc.", "com.google.protobuf.", "io.emqx.exhook.", "sun.security.ssl.",
                "io.netty.handler.ssl.JdkSslContext"));
        FORBIDDEN.put("baetyl-timer", List.of("org.mapdb.", "io.netty.handler.codec.http.", "io.grpc.",
                "com.google.protobuf."));
        FORBIDDEN.put("baetyl-function-manager", List.of("org.mapdb.", "io.netty.handler.codec.http.websocketx."));
        FORBIDDEN.put("baetyl-function-sql", List.of("org.mapdb.", "io.netty.handler.codec.http.websocketx."));
    }

    private static final Pattern LOADED = Pattern.compile("\\[class,load] (\\S+) source:");
    /** A JDK class read from the JDK's module image, not from the install's class-data-sharing archive. */
    private static final Pattern FROM_IMAGE = Pattern.compile("\\[class,load] (\\S+) source: jrt:/");
    private static final Pattern FROM_ARCHIVE = Pattern.compile("\\[class,load] (\\S+) source: shared objects file");
    /** From the install's archive itself, not from a JVM's own archive on top of it ("shared objects file (top)"). */
    private static final Pattern FROM_BASE = Pattern.compile("\\[class,load] (\\S+) source: shared objects file$");

    private Path dir;
    private BaetylHome baetyl;

    @AfterEach
    void stop() throws Exception {
        if (baetyl != null) {
            baetyl.close();
        }
        BaetylHome.deleteTree(dir);
    }

    @Test
    void eachProcessLoadsOnlyWhatItUses() throws Exception {
        dir = Files.createTempDirectory("e2e-classes-");
        baetyl = BaetylHome.install("class-loading");
        Path logs = Files.createDirectories(dir.resolve("class-logs"));
        for (String pkg : OWN_CLASS.keySet()) {
            // %p: one log per process, so instances of the same package do not share a file; no rotation
            Path options = baetyl.path("var/db/baetyl/" + pkg + "/jvm.options");
            assertThat(options).as("the installed " + pkg + " package's JVM flags").exists();
            Files.writeString(options, Files.readString(options) + "\n-Xlog:class+load=info:file="
                    + logs.resolve(pkg + "-%p.log") + "::filecount=0\n");
        }
        baetyl.javaOpts = launcherDefaults() + " -Xlog:class+load=info:file=" + logs.resolve("master-%p.log")
                + "::filecount=0";
        baetyl.start();
        // the function manager's rule clients subscribe in the background: wait for them, or the message reaches nobody
        await().atMost(Duration.ofSeconds(60)).until(() -> Stream.of("func-sql-filter-1", "func-python3-sayhi-1",
                "func-node8-sayhi-1").allMatch(c -> baetyl.output().contains("rule subscribed: clientid=" + c + " ")));

        Set<String> answered = ConcurrentHashMap.newKeySet();
        MqttClient client = new MqttClient(baetyl.mqttAddress(), "e2e-classes", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("test");
        o.setPassword("hahaha".toCharArray());
        client.connect(o);
        client.subscribe("t/#", 1, (topic, m) -> answered.add(topic));
        client.publish("t", "{\"id\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
        await().atMost(Duration.ofSeconds(90)).until(() -> answered.containsAll(List.of("t/py3hi", "t/node8hi", "t/sqlfilter")));
        client.disconnect();
        client.close();
        Path archive = baetyl.path("lib/baetyl/baetyl-jdk.jsa");
        Set<String> common = Files.readAllLines(baetyl.path("lib/baetyl/baetyl-common.jar.lst")).stream()
                .map(c -> c.replace('/', '.')).collect(Collectors.toSet());
        assertThat(filesMappedFromTempDir(baetyl.masterPid()))
                .as("files the example's processes map from java.io.tmpdir (outside the install) that stay there: a"
                        + " kill -9 of the process would leave them behind").isEmpty();
        baetyl.close(); // the logs are complete once every JVM has exited
        baetyl = null;

        Map<String, List<String>> loadedBy = new LinkedHashMap<>();
        Map<String, List<String>> fromImage = new LinkedHashMap<>();
        Map<String, List<String>> fromArchive = new LinkedHashMap<>();
        Map<String, List<String>> fromBase = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.toList()) {
                String process = f.getFileName().toString().replaceFirst("-\\d+\\.log$", "");
                loadedBy.computeIfAbsent(process, k -> new ArrayList<>()).addAll(classes(f, LOADED));
                fromImage.computeIfAbsent(process, k -> new ArrayList<>()).addAll(classes(f, FROM_IMAGE));
                fromArchive.computeIfAbsent(process, k -> new ArrayList<>()).addAll(classes(f, FROM_ARCHIVE));
                fromBase.computeIfAbsent(process, k -> new ArrayList<>()).addAll(classes(f, FROM_BASE));
            }
        }
        // The install's class-data-sharing archive (scripts/cds-archive.sh) holds the JDK classes every process loads:
        // when a process reads more than a tenth of its JDK classes from the JDK's image, scripts/cds/jdk-classes.lst
        // is out of date (bench/cds-classlist.sh makes it) or the archive was not used. (The JDK's default archive,
        // used when ours is missing, holds about half of them.)
        assertThat(archive).as("the install's class-data-sharing archive").exists();
        fromArchive.forEach((process, shared) -> assertThat(fromImage.get(process).size())
                .as(process + " JDK classes not from the install's archive (of " + shared.size() + " from it): "
                        + fromImage.get(process).stream().limit(20).toList())
                .isLessThanOrEqualTo(shared.size() / 10));
        // The library classes every Java jar of the install has in common (scripts/cds-archive.sh's baetyl-common.jar)
        // are in that archive too, one copy in memory for all the JVMs: each process must read them from it (a few
        // the dump could not verify on the common jar alone are read from the jar).
        assertThat(common).as("the install's common classes jar").hasSizeGreaterThan(500);
        fromBase.forEach((process, base) -> {
            List<String> loadedCommon = loadedBy.get(process).stream().filter(common::contains).toList();
            assertThat(loadedCommon).as(process + " loads library classes of the common jar").hasSizeGreaterThan(100);
            assertThat(base.stream().filter(common::contains).count())
                    .as(process + " common classes read from the install's archive, of " + loadedCommon.size())
                    .isGreaterThanOrEqualTo(loadedCommon.size() * 9L / 10);
        });
        assertThat(loadedBy).as("a class-load log per process").containsKeys(FORBIDDEN.keySet().toArray(String[]::new));
        assertThat(loadedBy.get("master")).anyMatch(c -> c.equals("io.baetyl.master.engine.nativeengine.NativeEngine"));
        OWN_CLASS.forEach((pkg, own) -> assertThat(loadedBy.get(pkg)).as(pkg + " ran").anyMatch(c -> c.startsWith(own)));
        List<String> offending = new ArrayList<>();
        FORBIDDEN.forEach((process, prefixes) -> loadedBy.get(process).stream()
                .filter(c -> prefixes.stream().anyMatch(c::startsWith))
                .limit(5)
                .forEach(c -> offending.add(process + " loaded " + c)));
        assertThat(offending).as("classes of libraries these processes never call").isEmpty();
    }

    /**
     * Files under java.io.tmpdir, outside the install (which is under it too), that the master or a process below it
     * maps and that still exist (a library unpacked and deleted after loading, as Netty's, shows as "(deleted)"), by
     * process id.
     */
    private Map<Long, Set<String>> filesMappedFromTempDir(long masterPid) throws IOException {
        String tmp = Path.of(System.getProperty("java.io.tmpdir")).toRealPath() + "/";
        String own = baetyl.path("").toRealPath() + "/";
        List<Long> pids = new ArrayList<>(List.of(masterPid));
        ProcessHandle.of(masterPid).ifPresent(m -> m.descendants().forEach(h -> pids.add(h.pid())));
        Map<Long, Set<String>> found = new LinkedHashMap<>();
        for (long pid : pids) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of("/proc/" + pid + "/maps"));
            } catch (IOException e) {
                continue; // the process has exited since
            }
            for (String line : lines) {
                String[] f = line.split("\\s+", 6);
                if (f.length == 6 && f[5].startsWith(tmp) && !f[5].startsWith(own) && !f[5].endsWith("(deleted)")) {
                    found.computeIfAbsent(pid, k -> new LinkedHashSet<>()).add(f[5]);
                }
            }
        }
        return found;
    }

    private static List<String> classes(Path log, Pattern pattern) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** The master launcher's default JVM flags: BAETYL_JAVA_OPTS replaces them, so they are passed along. */
    private String launcherDefaults() throws IOException {
        Matcher m = Pattern.compile("\\$\\{BAETYL_JAVA_OPTS:-([^}]*)}").matcher(Files.readString(baetyl.path("bin/baetyl")));
        assertThat(m.find()).as("the launcher's default flags").isTrue();
        return m.group(1);
    }
}
