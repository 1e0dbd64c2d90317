package io.baetyl.hub.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Client tools (mosquitto_pub/sub/rr) run as processes by the interop tests. */
final class ClientProcesses {
    private ClientProcesses() {
    }

    /** For {@code @EnabledIf}: Debian's mosquitto-clients are installed. */
    static boolean mosquittoClientsInstalled() {
        return new java.io.File("/usr/bin/mosquitto_pub").canExecute();
    }

    /**
     * Starts {@code cmd} with stderr merged into stdout, and adds each line of its output to {@code lines} as it comes
     * (a daemon thread reads it; give {@code lines} a thread-safe list). Wait for a line with Awaitility: the reader
     * may take the last line after the process has exited.
     */
    static Process start(List<String> cmd, List<String> lines) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "output of " + cmd.get(0));
        reader.setDaemon(true);
        reader.start();
        return p;
    }
}
