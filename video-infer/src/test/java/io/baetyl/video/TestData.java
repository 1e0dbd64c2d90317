package io.baetyl.video;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The test model and videos, made once per build by the repository's own scripts (video-infer/tools) into
 * target/test-data: nothing is downloaded. Frames 19, 39 and 59 of the 6 s videos show the bright object; with
 * {@code limit.fps: 1} the sampled frames are 9, 19, ..., 59.
 */
final class TestData {
    static final Path REPO = Path.of(System.getProperty("baetyl.repo", "..")).toAbsolutePath().normalize();
    static final Path TOOLS = REPO.resolve("video-infer/tools");
    static final Path DIR = REPO.resolve("video-infer/target/test-data");
    /** The frames {@code limit.fps: 1} samples from a 10 frames/s video, and which of them show the object. */
    static final List<Long> SAMPLED = List.of(9L, 19L, 29L, 39L, 49L, 59L);
    static final List<Long> WITH_OBJECT = List.of(19L, 39L, 59L);

    private TestData() {
    }

    static synchronized Path model() throws Exception {
        Path m = DIR.resolve("brightness-ssd.onnx");
        if (!Files.exists(m)) {
            run(List.of("/usr/bin/python3", TOOLS.resolve("make-test-model.py").toString(), m.toString()));
        }
        return m;
    }

    static synchronized Path mp4() throws Exception {
        videos();
        return DIR.resolve("object.mp4");
    }

    static synchronized Path avi() throws Exception {
        videos();
        return DIR.resolve("object.avi");
    }

    private static void videos() throws Exception {
        if (!Files.exists(DIR.resolve("object.avi"))) {
            run(List.of(TOOLS.resolve("make-test-videos.sh").toString(), DIR.toString()));
        }
    }

    static void run(List<String> cmd) throws IOException, InterruptedException {
        Files.createDirectories(DIR);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd + " failed: " + out);
        }
    }
}
