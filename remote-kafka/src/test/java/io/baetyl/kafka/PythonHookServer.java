package io.baetyl.kafka;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The seed's {@code exhook_server.py} (seed 003, test resource {@code exhook/exhook_server.py}) run with Debian's
 * {@code /usr/bin/python3}, python3-grpcio, python3-kafka, and stubs that python3-grpc-tools generates from our
 * {@code exhook.proto} at test time (the seed's protoc command without {@code --pyi_out}, which Debian's grpc-tools
 * lacks and which only writes type hints). The only edits to the printed code are the test's addresses: the Kafka
 * bootstrap servers and the gRPC port. Started and stopped by PID.
 */
final class PythonHookServer implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    final int port;
    final Path dir;
    private final Process process;

    /** Generates exhook_pb2.py and exhook_pb2_grpc.py into {@code dir}. */
    static void generateStubs(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path proto = Path.of("..", "proto", "src", "main", "proto", "exhook.proto").toAbsolutePath().normalize();
        Files.copy(proto, dir.resolve("exhook.proto"), StandardCopyOption.REPLACE_EXISTING);
        run(dir, PYTHON, "-m", "grpc_tools.protoc", "-I./", "--python_out=.", "--grpc_python_out=.", "./exhook.proto");
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /**
     * @param stubs    where {@link #generateStubs} wrote the stubs
     * @param case2    the seed's "case2" OnMessagePublish (its commented block, uncommented: it drops {@code t/d})
     */
    PythonHookServer(Path stubs, Path dir, int port, String kafkaBootstrap, boolean case2) throws Exception {
        this.port = port;
        this.dir = dir;
        Files.createDirectories(dir);
        for (String f : List.of("exhook_pb2.py", "exhook_pb2_grpc.py")) {
            Files.copy(stubs.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        String code;
        try (InputStream in = PythonHookServer.class.getResourceAsStream("/exhook/exhook_server.py")) {
            code = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        code = replaceOnce(code, "'my-cluster-kafka-bootstrap.kafka.svc.cluster.local:9092'", "'" + kafkaBootstrap + "'");
        code = replaceOnce(code, "server.add_insecure_port('[::]:9000')", "server.add_insecure_port('127.0.0.1:" + port + "')");
        if (case2) {
            code = uncommentCase2(code);
        }
        Files.writeString(dir.resolve("exhook_server.py"), code);
        // -u: unbuffered, so the test reads the server's prints as they happen
        process = new ProcessBuilder(PYTHON, "-u", "./exhook_server.py").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.toFile(), "server.out"))).start();
        Process started = process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "exhook-server-reaper"));
        await("exhook_server.py on port " + port).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("exhook_server.py exited: " + output());
                    }
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    private static String replaceOnce(String code, String what, String with) {
        if (!code.contains(what)) {
            throw new IllegalStateException("exhook_server.py: " + what + " not found");
        }
        return code.replace(what, with);
    }

    /** The lines after "## case2", up to the next method, without their leading '#'. */
    static String uncommentCase2(String code) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String line : code.split("\n", -1)) {
            if (line.strip().startsWith("## case2")) {
                in = true;
                out.add(line);
                continue;
            }
            if (in && line.startsWith("    #")) {
                out.add("    " + line.substring(5));
                continue;
            }
            in = false;
            out.add(line);
        }
        return String.join("\n", out);
    }

    long pid() {
        return process.pid();
    }

    String output() {
        try {
            return Files.readString(dir.resolve("server.out"));
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGKILL, as a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
