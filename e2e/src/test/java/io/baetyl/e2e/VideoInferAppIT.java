package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The docs' chapter 11 app under the real master in native mode: the hub, the function manager in gRPC server
 * mode, the Python runtime started on demand running the docs' analyse.py, and video-infer on the generated model
 * and video.
 */
@Timeout(240)
class VideoInferAppIT {
    private Path dir;
    private VideoInferApp app;

    @AfterEach
    void tearDown() throws Exception {
        if (app != null) {
            app.close();
            app.baetyl.close();
        }
        BaetylHome.deleteTree(dir);
    }

    @Test
    void resultsAndJpegsComeForTheFramesWithTheObject() throws Exception {
        // Under /tmp: unix socket paths (the master API, linked into every service dir) are limited to 107 bytes.
        dir = Files.createTempDirectory("e2e-video-");
        app = VideoInferApp.install(dir.resolve("baetyl"), "native");
        BaetylHome b = app.baetyl;
        int grpc = FreePorts.next();
        b.replace("var/db/baetyl/localhub-conf/service.yml", "tcp://0.0.0.0:1883", b.mqttAddress());
        for (String conf : new String[] {"function-manager-conf", "video-infer-conf"}) {
            b.replace("var/db/baetyl/" + conf + "/service.yml", "tcp://127.0.0.1:1883", b.mqttAddress());
            b.replace("var/db/baetyl/" + conf + "/service.yml", "127.0.0.1:50051", "127.0.0.1:" + grpc);
        }
        b.start();
        app.observeAndPlay(b.mqttAddress());
        app.assertResultsForTheFramesWithTheObject(Duration.ofSeconds(120));
        assertThat(b.output()).contains("video file ended: uri=var/db/baetyl/video/object.mp4 frames=60 sampled=6");
    }
}
