package io.baetyl.agent.it;

import io.baetyl.testcloud.TestCloud;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A test cloud with fresh certificates from testcloud/gen-certs.sh, on random loopback ports. */
final class CloudFixture {
    static final Path GEN = AgentHome.REPO.resolve("testcloud/gen-certs.sh");

    private CloudFixture() {
    }

    static Path certs(Path dir, String... devices) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String[] cmd = new String[devices.length + 2];
        cmd[0] = GEN.toString();
        cmd[1] = dir.toString();
        System.arraycopy(devices, 0, cmd, 2, devices.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("gen-certs.sh failed: " + out);
        }
        return dir;
    }

    static TestCloud start(Path dir) throws Exception {
        certs(dir, AgentHome.DEVICE);
        return new TestCloud(dir, 0, 0).start();
    }
}
