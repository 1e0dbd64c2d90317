package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.baetyl.sdk.testing.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The docs' chapter 11 app in docker mode on a real dockerd, with the images of scripts/build-images.sh (the
 * {@code baetyl.it.registry} prefix, default {@code baetyl/}): hub, function manager, Python runtime and video-infer
 * each in a container on the baetyl network, the video and model in bind-mounted volumes, the JPEGs written to the
 * host's image-data volume. Skipped when no docker daemon answers.
 */
@Timeout(420)
class VideoInferDockerIT {
    static final String REGISTRY = System.getProperty("baetyl.it.registry", "baetyl/");
    private Path dir;
    private VideoInferApp app;

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
            app.baetyl.close();
            // Whatever the master did not remove (it removes all on SIGTERM): this install's containers by label.
            List<String> ids = docker("ps", "-aq", "--filter", "label=baetyl.workdir=" + app.baetyl.home);
            for (String id : ids) {
                docker("rm", "-f", id);
            }
        }
        BaetylHome.deleteTree(dir);
    }

    static List<String> docker(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("docker " + String.join(" ", args) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("docker " + String.join(" ", args) + " failed: " + out);
        }
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void theChapter11AppRunsInContainers() throws Exception {
        try {
            docker("info");
        } catch (IOException | IllegalStateException e) {
            assumeTrue(false, "no docker daemon (scripts/build-images.sh starts one): " + e.getMessage());
        }
        dir = Files.createTempDirectory("e2e-video-docker-");
        app = VideoInferApp.install(dir.resolve("baetyl"), "docker");
        BaetylHome b = app.baetyl;
        // Container names are service names: a suffix keeps them apart from other runs on this daemon.
        String sfx = "-it" + UUID.randomUUID().toString().substring(0, 8);
        String appFile = "var/db/baetyl/application.yml";
        for (String svc : new String[] {"localhub", "function-manager", "function-python", "video-infer"}) {
            b.replace(appFile, "- name: " + svc + "\n", "- name: " + svc + sfx + "\n");
        }
        b.replace(appFile, "image: baetyl/", "image: " + REGISTRY);
        b.replace(appFile, "- 1883:1883", "- 127.0.0.1:" + b.mqttPort + ":1883");
        b.replace("var/db/baetyl/function-manager-conf/service.yml", "tcp://localhub:1883", "tcp://localhub" + sfx + ":1883");
        b.replace("var/db/baetyl/function-manager-conf/service.yml", "service: function-python", "service: function-python" + sfx);
        b.replace("var/db/baetyl/video-infer-conf/service.yml", "tcp://localhub:1883", "tcp://localhub" + sfx + ":1883");
        b.replace("var/db/baetyl/video-infer-conf/service.yml", "function-manager:50051", "function-manager" + sfx + ":50051");
        for (String image : new String[] {"baetyl-hub", "baetyl-function-manager", "baetyl-function-python36",
            "baetyl-video-infer"}) {
            assertThat(docker("images", "-q", REGISTRY + image)).as("image %s%s (scripts/build-images.sh)", REGISTRY,
                    image).isNotEmpty();
        }
        b.start();
        app.observeAndPlay(b.mqttAddress());
        app.assertResultsForTheFramesWithTheObject(Duration.ofSeconds(180));
        assertThat(b.output()).contains("video file ended: uri=var/db/baetyl/video/object.mp4 frames=60 sampled=6");
    }
}
