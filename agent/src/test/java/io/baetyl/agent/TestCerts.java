package io.baetyl.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Certificates made by the real testcloud/gen-certs.sh (openssl), never committed. */
final class TestCerts {
    static final Path GEN = Path.of(System.getProperty("baetyl.repo", "..")).resolve("testcloud/gen-certs.sh");

    private TestCerts() {
    }

    /** Runs gen-certs.sh into {@code dir} for the given devices and returns {@code dir}. */
    static Path make(Path dir, String... devices) throws IOException, InterruptedException {
        String[] cmd = new String[devices.length + 2];
        cmd[0] = GEN.toAbsolutePath().toString();
        cmd[1] = dir.toString();
        System.arraycopy(devices, 0, cmd, 2, devices.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("gen-certs.sh failed: " + out);
        }
        return dir;
    }

    static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.writeString(file, text);
    }
}
