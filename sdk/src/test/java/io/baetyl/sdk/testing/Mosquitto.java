package io.baetyl.sdk.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto broker (Debian's /usr/sbin/mosquitto) on a random 127.0.0.1 port, for tests that need a second,
 * independent broker. Stopped by PID; restartable on the same port.
 */
public final class Mosquitto implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final String extraConfig;
    private Process process;

    public Mosquitto(Path dir, String extraConfig) throws IOException {
        this.dir = dir;
        this.port = FreePorts.next();
        this.extraConfig = extraConfig == null ? "allow_anonymous true\n" : extraConfig;
        Files.createDirectories(dir);
    }

    public Mosquitto start() throws IOException {
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\n"
                + "persistence false\n"
                // Started as root, mosquitto would switch to its own user and lose access to the test's files.
                + "user " + System.getProperty("user.name") + "\n"
                + "log_dest file " + dir.resolve("mosquitto.log") + "\n"
                + extraConfig);
        process = new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.out").toFile()))
                .start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(this::accepting);
        return this;
    }

    private boolean accepting() {
        if (!process.isAlive()) {
            throw new IllegalStateException("mosquitto exited: " + read("mosquitto.out") + read("mosquitto.log"));
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String read(String name) {
        try {
            return Files.readString(dir.resolve(name));
        } catch (IOException e) {
            return "";
        }
    }

    public int port() {
        return port;
    }

    public String tcpAddress() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 5 s). */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
