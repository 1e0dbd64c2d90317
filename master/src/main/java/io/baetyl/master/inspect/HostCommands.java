package io.baetyl.master.inspect;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The short host commands inspect runs ({@code nvidia-smi}, {@code stat -f}): found on the PATH, run with a timeout. */
final class HostCommands {
    private static final long COMMAND_TIMEOUT_SECONDS = 5;

    private HostCommands() {
    }

    static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Runs a short command and returns its stdout; a non-zero exit becomes an IOException with its stderr. Output goes
     * to temp files so a command that hangs (nvidia-smi does, with a wedged driver) cannot block us past the timeout.
     */
    static String run(String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("baetyl-cmd", ".out");
        Path err = Files.createTempFile("baetyl-cmd", ".err");
        Process p = null;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException(cmd[0] + ": timed out after " + COMMAND_TIMEOUT_SECONDS + "s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(cmd[0] + ": exit status " + p.exitValue() + ": "
                        + Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
