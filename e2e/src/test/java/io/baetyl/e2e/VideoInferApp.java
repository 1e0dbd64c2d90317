package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The docs' chapter 11 app (video-infer/example/{native,docker}) installed by {@code EXAMPLE=video-infer
 * scripts/install.sh}, switched to the generated model and video by video-infer/tools/use-test-data.sh, as a user
 * would. The video is held back until the observer subscribed, so that every result is seen: video-infer retries
 * the missing file and starts as soon as it appears.
 */
final class VideoInferApp implements AutoCloseable {
    /** Sampled frames 9, 19, ..., 59 of the test video; 19, 39 and 59 show the object. */
    static final List<Boolean> OBJECT_FRAMES = List.of(false, true, false, true, false, true);

    final BaetylHome baetyl;
    final Path db;
    private final Path heldVideo;
    private MqttClient observer;
    final List<JsonNode> results = new CopyOnWriteArrayList<>();

    private VideoInferApp(BaetylHome baetyl) {
        this.baetyl = baetyl;
        this.db = baetyl.path("var/db/baetyl");
        this.heldVideo = baetyl.home.resolveSibling("object.mp4");
    }

    static VideoInferApp install(Path dir, String mode) throws Exception {
        BaetylHome b = BaetylHome.installExample(dir, Map.of("MODE", mode, "EXAMPLE", "video-infer"));
        Process p = new ProcessBuilder(BaetylHome.REPO.resolve("video-infer/tools/use-test-data.sh").toString(),
                b.home.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolveSibling("use-test-data.out").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("use-test-data.sh failed: "
                    + Files.readString(dir.resolveSibling("use-test-data.out")));
        }
        VideoInferApp app = new VideoInferApp(b);
        b.replace("etc/baetyl/conf.yml", "grace: 30s", "grace: 5s");
        // Retry the held-back video every second at most, so that it is picked up soon after it appears.
        b.replace("var/db/baetyl/video-infer-conf/service.yml", "  limit:\n", "  reopen: {max: 1s}\n  limit:\n");
        Files.move(app.db.resolve("infer-video/object.mp4"), app.heldVideo);
        return app;
    }

    /** Connects the observer to video/infer/result, then lets video-infer find its video. */
    void observeAndPlay(String mqttAddress) throws Exception {
        observer = new MqttClient(mqttAddress, "e2e-video-observer", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("test");
        o.setPassword("hahaha".toCharArray());
        o.setCleanSession(true);
        o.setConnectionTimeout(5);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            observer.connect(o);
            return true;
        });
        observer.subscribe("video/infer/result", 1, (t, m) -> results.add(BaetylHome.JSON.readTree(m.getPayload())));
        Files.move(heldVideo, db.resolve("infer-video/object.mp4"), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Six results arrive, one per sampled frame; those with the object (and only those) carry the detected
     * "person" and an imageLocation whose JPEG was written and shows the object.
     */
    void assertResultsForTheFramesWithTheObject(Duration within) throws Exception {
        // The file ends after six sampled frames (video-infer logs it), so once six results are in, no more can come.
        await().atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> results.size() >= 6
                && baetyl.output().contains("video file ended: uri=var/db/baetyl/video/object.mp4 frames=60 sampled=6"));
        assertThat(results).hasSize(6);
        List<Boolean> found = new ArrayList<>();
        for (JsonNode r : results) {
            boolean object = r.get("imageObjects").size() > 0;
            found.add(object);
            assertThat(r.get("imageDiscard").asBoolean()).isEqualTo(!object);
            assertThat(r.get("imageWidth").asInt()).isEqualTo(320);
            assertThat(r.get("imageHight").asInt()).isEqualTo(240);
            if (object) {
                assertThat(r.get("imageObjects").get(0).get("class").asText()).isEqualTo("person");
                String location = r.get("imageLocation").asText();
                assertThat(location).startsWith("var/db/baetyl/image/").endsWith(".jpg");
                // The service's var/db/baetyl/image is the image-data volume.
                Path jpeg = db.resolve("image-data").resolve(Path.of(location).getFileName());
                BufferedImage img = ImageIO.read(jpeg.toFile());
                assertThat(img.getWidth()).isEqualTo(320);
                int rgb = img.getRGB(160, 120);
                assertThat(rgb & 0xff).as("the JPEG shows the object").isGreaterThan(200);
            } else {
                assertThat(r.has("imageLocation")).isFalse();
            }
        }
        assertThat(found).containsExactlyElementsOf(OBJECT_FRAMES);
        try (Stream<Path> s = Files.list(db.resolve("image-data"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".jpg")).count()).as("JPEGs written").isEqualTo(3);
        }
    }

    @Override
    public void close() throws Exception {
        if (observer != null && observer.isConnected()) {
            observer.disconnect();
        }
        if (observer != null) {
            observer.close();
        }
    }
}
