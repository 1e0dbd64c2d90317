package io.baetyl.function.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import io.baetyl.sdk.testing.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged runtime as the native engine runs it: the shaded jar in a child JVM with the module's jvm.options,
 * the address in BAETYL_SERVICE_INSTANCE_ADDRESS, SIGTERM to stop.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SqlFunctionProcessIT {
    @TempDir
    Path dir;

    private Process process;

    @AfterEach
    void killLeftover() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path outputFile() {
        return dir.resolve("output.log");
    }

    private String output() throws IOException {
        return Files.exists(outputFile()) ? Files.readString(outputFile()) : "";
    }

    private static Path shadedJar() throws IOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of("target"), "*-all.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        }
        throw new IllegalStateException("no target/*-all.jar: run mvn verify (package builds it)");
    }

    private Process launch(String yaml, int port) throws Exception {
        Path cfg = dir.resolve("service.yml");
        Files.writeString(cfg, yaml);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String line : Files.readAllLines(Path.of("jvm.options"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                cmd.add(line.trim());
            }
        }
        cmd.addAll(List.of("-jar", shadedJar().toAbsolutePath().toString(), "-c", cfg.toString()));
        // Output goes to a file, not a pipe: Process.destroy() closes the pipes right after sending SIGTERM, which
        // would lose exactly the shutdown lines the tests check.
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(outputFile().toFile());
        pb.environment().put("BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:" + port);
        pb.environment().put("BAETYL_SERVICE_INSTANCE_NAME", "function-sql-filter.sql-filter.1");
        process = pb.start();
        return process;
    }

    @Test
    void servesTheDocsExampleAndStopsOnSigterm() throws Exception {
        int port = FreePorts.next();
        Process p = launch("""
                functions:
                - name: sql-filter
                  handler: 'select qos() as qos, topic() as topic, * where id < 10'
                """, port);
        await().atMost(Duration.ofSeconds(90)).until(() -> output().contains("service started") || !p.isAlive());
        assertThat(p.isAlive()).as(output()).isTrue();

        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            var stub = FunctionGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
            FunctionMessage out = stub.call(RuntimeHarness.message("sql-filter", "t", 1, "{\"id\":1}"));
            assertThat(out.getPayload().toStringUtf8()).isEqualTo("{\"qos\":1,\"topic\":\"t\",\"id\":1}");
            out = FunctionGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .call(RuntimeHarness.message("sql-filter", "t", 1, "{\"id\":11}"));
            assertThat(out.getPayload().isEmpty()).isTrue();
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        p.destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(output()).isTrue();
        assertThat(p.exitValue()).as(output()).isZero();
        assertThat(output()).contains("signal received, stopping: signal=SIGTERM").contains("service closed");
    }

    @Test
    void parseErrorExitsOneWithFunctionAndPosition() throws Exception {
        Process p = launch("""
                functions:
                - name: filter
                  handler: 'SELECT temperature, ts, unit WHERE temperature >'
                """, FreePorts.next());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(output()).contains(
                "functions[0] (filter).handler: syntax error at position 49: expected an expression, "
                        + "found end of statement"));
    }
}
