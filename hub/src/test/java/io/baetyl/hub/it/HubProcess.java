package io.baetyl.hub.it;

import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.testing.FreePorts;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The hub as a real child process ({@code HubMain -c ...}), for crash and signal tests. */
final class HubProcess implements AutoCloseable {
    final Path dir;
    final int port;
    Process process;

    HubProcess(Path dir, String extraYaml) throws IOException {
        this.dir = dir;
        this.port = FreePorts.next();
        Files.createDirectories(dir.resolve("etc/baetyl"));
        Files.writeString(dir.resolve("etc/baetyl/service.yml"), """
                listen:
                  - tcp://127.0.0.1:%d
                principals:
                  - username: u1
                    password: p1
                    permissions:
                      - action: pub
                        permit: ['#']
                      - action: sub
                        permit: ['#']
                logger:
                  level: info
                %s
                """.formatted(port, extraYaml));
    }

    HubProcess start() throws IOException {
        return start(List.of("-Xmx128m"));
    }

    /** The JVM flags the module launcher uses ({@code jvm.options}, comments skipped). */
    static List<String> shippedJvmOptions() throws IOException {
        List<String> options = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("jvm.options"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                options.add(line.trim());
            }
        }
        return options;
    }

    /** The value of a size flag such as {@code -Xmx96m} or {@code -XX:MaxDirectMemorySize=64m} in {@code options}, in bytes. */
    static long sizeFlag(List<String> options, String prefix) {
        for (String o : options) {
            if (o.startsWith(prefix)) {
                return io.baetyl.sdk.config.ByteSize.parse(o.substring(prefix.length())).bytes();
            }
        }
        throw new IllegalArgumentException("no " + prefix + " in " + options);
    }

    /** Resident set size of the hub process (VmRSS), in bytes. */
    long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return 0;
    }

    HubProcess start(List<String> jvmOptions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        // The test class path has MapDB's lz4 with its native library, which lz4 unpacks into java.io.tmpdir and only
        // a clean exit deletes: keep what a kill -9 leaves in the test's directory, not in /tmp.
        command.add("-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "io.baetyl.hub.HubMain", "-c", "etc/baetyl/service.yml"));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.toFile(), "hub.out")));
        process = pb.start();
        // A live JVM that is not listening yet is only slow (a loaded machine); an exit fails at once (see listening).
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(this::listening);
        return this;
    }

    private boolean listening() {
        if (!process.isAlive()) {
            throw new IllegalStateException("hub exited: " + process.exitValue() + "\n" + output());
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String output() {
        try {
            return Files.readString(dir.resolve("hub.out"));
        } catch (IOException e) {
            return "";
        }
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    int terminate() throws InterruptedException {
        process.destroy(); // SIGTERM
        return process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill9();
        }
    }
}
