package io.baetyl.video;

import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.testing.FreePorts;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The project's real Python function runtime (function-python/bin/function-python3.py) on a free 127.0.0.1 port,
 * serving the docs' analyse.py (from the chapter 11 example) and the test functions of videotest.py.
 */
final class PythonRuntime implements AutoCloseable {
    static final List<String> TEST_FUNCTIONS = List.of("raise_on_object", "slow_on_object", "no_topic", "outside",
            "raw", "not_json", "nothing", "slow");
    final int port;
    final Path dir;
    private final Process process;

    PythonRuntime(Path dir) throws Exception {
        this(dir, FreePorts.next());
    }

    PythonRuntime(Path dir, int port) throws Exception {
        this.dir = dir;
        this.port = port;
        Path code = Files.createDirectories(dir.resolve("var/db/baetyl/code"));
        Files.copy(TestData.REPO.resolve("video-infer/example/native/var/db/baetyl/function-python-code/analyse.py"),
                code.resolve("analyse.py"));
        try (InputStream in = PythonRuntime.class.getResourceAsStream("/function-test-code/videotest.py")) {
            Files.write(code.resolve("videotest.py"), in.readAllBytes());
        }
        StringBuilder conf = new StringBuilder("functions:\n");
        conf.append("  - {name: analyse, handler: analyse.handler, codedir: var/db/baetyl/code}\n");
        for (String f : TEST_FUNCTIONS) {
            conf.append("  - {name: ").append(f).append(", handler: videotest.").append(f)
                    .append(", codedir: var/db/baetyl/code}\n");
        }
        Files.createDirectories(dir.resolve("etc/baetyl"));
        Files.writeString(dir.resolve("etc/baetyl/service.yml"), conf);
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3",
                TestData.REPO.resolve("function-python/bin/function-python3.py").toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.resolve("python.out").toString())));
        pb.environment().put("BAETYL_SERVICE_INSTANCE_NAME", "function-python.test");
        pb.environment().put("BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:" + port);
        process = pb.start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> !process.isAlive() || accepting(port));
        if (!process.isAlive()) {
            throw new IllegalStateException("python runtime exited: " + Files.readString(dir.resolve("python.out")));
        }
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    private static boolean accepting(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
