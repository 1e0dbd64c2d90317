package io.baetyl.video;

import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * The whole chain on frames whose right answer is known: the generated video (frames 19, 39, 59 of the sampled
 * 9, 19, ..., 59 show the object) -> capture -> blob -> forward with the generated model -> the real Python runtime
 * (the docs' analyse.py, and test functions for the error paths) -> JSON -> JPEG saved or image published -> our
 * hub -> an independent Paho subscriber.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class VideoInferIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Whether each sampled frame shows the object, in capture order. */
    static final List<Boolean> OBJECT_FRAMES = List.of(false, true, false, true, false, true);

    Path dir;
    LocalHub hub;
    PythonRuntime python;
    MqttClient observer;
    final List<Received> received = new CopyOnWriteArrayList<>();
    HubClient client;
    FunctionClients functions;
    VideoInfer infer;
    Path workdir;

    record Received(String topic, int qos, JsonNode json) {
    }

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        OpenCv.load();
        // room for imageData (a 320x240 frame is 300 KB in base64); the 32k default is tested on its own
        hub = new LocalHub(null, c -> c.message.length.max = io.baetyl.sdk.config.ByteSize.ofBytes(1 << 20));
        python = new PythonRuntime(Files.createDirectories(tmp.resolve("python")));
        observer = new MqttClient(hub.url(), "observer", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("u1");
        o.setPassword("p1".toCharArray());
        observer.connect(o);
        observer.subscribe("#", 1, (topic, m) -> received.add(new Received(topic, m.getQos(),
                JSON.readTree(m.getPayload()))));
    }

    @AfterAll
    void stop() throws Exception {
        if (observer != null) {
            observer.disconnect();
            observer.close();
        }
        if (python != null) {
            python.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @AfterEach
    void stopInfer() {
        if (infer != null) {
            infer.close();
        }
        if (functions != null) {
            functions.close();
        }
        if (client != null) {
            client.close();
        }
        received.clear();
    }

    /** video-infer on the MP4 at limit.fps 1 with the docs' process.before, calling {@code function}. */
    VideoInferConfig config(String function, String uri) {
        VideoInferConfig c = new VideoInferConfig();
        c.hub.address = hub.url();
        c.hub.username = "u1";
        c.hub.password = "p1";
        c.hub.clientid = "video-infer-" + function;
        c.video.uri = uri;
        c.video.limit.fps = 1;
        c.infer.model = "unused";
        c.process.before = InferenceTest.docsBefore();
        c.process.after.function.name = function;
        VideoInferConfig.FunctionInfo f = new VideoInferConfig.FunctionInfo();
        f.name = function;
        f.address = python.address();
        f.timeout = Duration.ofSeconds(10);
        c.functions.add(f);
        c.validate();
        return c;
    }

    VideoInfer run(VideoInferConfig c) throws Exception {
        workdir = Files.createTempDirectory(dir, "service");
        Files.createDirectories(workdir.resolve("var/db/baetyl/image"));
        ServiceVolumes volumes = new ServiceVolumes(workdir, List.of(workdir.resolve("var/db/baetyl/image")), "test");
        Inference inference = Inference.load(InferenceTest.infer(TestData.model().toString()), c.process.before);
        client = new HubClient(c.hub, null).start();
        client.connected().get();
        functions = new FunctionClients(c.functions);
        infer = new VideoInfer(c, inference, functions, client, volumes).start();
        return infer;
    }

    long stat(String key) {
        return ((Number) infer.stats().get(key)).longValue();
    }

    List<Received> on(String topic) {
        return received.stream().filter(r -> r.topic.equals(topic)).toList();
    }

    List<Path> images() throws Exception {
        try (Stream<Path> s = Files.list(workdir.resolve("var/db/baetyl/image"))) {
            return s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
    }

    @Test
    void theDocsAnalyseFunctionFindsTheObjectInExactlyTheFramesThatShowItAndSavesTheirJpegs() throws Exception {
        run(config("analyse", TestData.mp4().toString()));
        await().atMost(Duration.ofSeconds(60)).until(() -> on("video/infer/result").size() == 6);
        List<Received> results = on("video/infer/result");
        List<Boolean> found = new ArrayList<>();
        for (Received r : results) {
            JsonNode j = r.json;
            boolean object = j.get("imageObjects").size() > 0;
            found.add(object);
            assertThat(j.get("imageDiscard").asBoolean()).isEqualTo(!object);
            assertThat(j.get("imageWidth").asInt()).isEqualTo(320);
            assertThat(j.get("imageHight").asInt()).isEqualTo(240);
            assertThat(j.get("imageInferenceTime").asDouble()).isPositive().isLessThan(10);
            assertThat(j.get("imageProcessTime").asDouble()).isGreaterThanOrEqualTo(j.get("imageInferenceTime").asDouble());
            // The function got the capture time in ns as the message timestamp; analyse.py returns it in ms.
            Instant captured = OffsetDateTime.parse(j.get("imageCaptureTime").asText()).toInstant();
            assertThat(captured.toEpochMilli()).isEqualTo(j.get("messageTimestamp").asLong());
            assertThat(j.has("imageData")).as("discarded or saved: no imageData").isFalse();
            assertThat(r.qos).as("analyse.py gives no publishQOS").isZero();
            if (object) {
                JsonNode o = j.get("imageObjects").get(0);
                assertThat(o.get("class").asText()).isEqualTo("person");
                assertThat(o.get("score").asDouble()).isGreaterThan(0.8);
                assertThat(List.of(o.get("left").asDouble(), o.get("top").asDouble(), o.get("right").asDouble(),
                        o.get("bottom").asDouble())).containsExactly(0.25, 0.25, 0.75, 0.75);
                long ns = captured.getEpochSecond() * 1_000_000_000L + captured.getNano();
                assertThat(j.get("imageLocation").asText()).isEqualTo("var/db/baetyl/image/" + ns + ".jpg");
                Path jpeg = workdir.resolve(j.get("imageLocation").asText());
                assertThat(jpeg).exists();
                Mat img = Imgcodecs.imread(jpeg.toString());
                byte[] px = new byte[3];
                img.get(120, 160, px);
                assertThat(img.cols()).isEqualTo(320);
                assertThat(px[0] & 0xff).as("the saved frame shows the object").isGreaterThan(200);
                img.release();
            } else {
                assertThat(j.has("imageLocation")).isFalse();
                assertThat(j.get("imageScores").get("person").asDouble()).isLessThan(0.2);
            }
        }
        assertThat(found).containsExactlyElementsOf(OBJECT_FRAMES);
        assertThat(images()).hasSize(3);
        assertThat(stat("inferred")).isEqualTo(6);
        assertThat(stat("images_saved")).isEqualTo(3);
        await().atMost(Duration.ofSeconds(60)).until(() -> stat("published") == 6);
        assertThat(infer.idle()).isTrue();
    }

    @Test
    void publishQosIsHonouredAndAFrameNeitherDiscardedNorSavedIsPublishedWithItsPixels() throws Exception {
        VideoInferConfig c = config("raw", TestData.avi().toString());
        c.process.after.publish.length.max = io.baetyl.sdk.config.ByteSize.ofBytes(1 << 20);
        run(c);
        await().atMost(Duration.ofSeconds(60)).until(() -> on("test/raw").size() == 6);
        List<Boolean> bright = new ArrayList<>();
        for (Received r : on("test/raw")) {
            assertThat(r.qos).as("publishQOS 1 (the original always published QoS 0)").isEqualTo(1);
            byte[] pixels = Base64.getDecoder().decode(r.json.get("imageData").asText());
            assertThat(pixels).hasSize(320 * 240 * 3);
            int center = pixels[(120 * 320 + 160) * 3] & 0xff;
            bright.add(center > 200);
            assertThat(r.json.get("score").asDouble() > 0.6).isEqualTo(center > 200);
        }
        assertThat(bright).containsExactlyElementsOf(OBJECT_FRAMES);
        assertThat(images()).isEmpty();
    }

    @Test
    void aResultLargerThanTheLimitIsNotPublishedAndTheConnectionStays() throws Exception {
        try (LogCapture log = new LogCapture(Processor.class)) {
            run(config("raw", TestData.avi().toString())); // imageData of 320x240 > the default 32 KB
            await().atMost(Duration.ofSeconds(60)).until(infer::idle);
            assertThat(stat("too_large")).isEqualTo(6);
            assertThat(log.lines()).anyMatch(l -> l.startsWith("WARN result not published: frame=9 topic=test/raw: ")
                    && l.endsWith(" bytes (with imageData) is more than process.after.publish.length.max (32768 "
                    + "bytes); the hub's message.length.max must allow it too"));
        }
        assertThat(on("test/raw")).isEmpty();
        assertThat(client.isConnected()).isTrue();
        client.publish("test/after", 1, "{}".getBytes(), false).get();
        await().atMost(Duration.ofSeconds(60)).until(() -> on("test/after").size() == 1);
    }

    @Test
    void aFunctionThatRaisesLosesOnlyItsFramesCountedAndLogged() throws Exception {
        try (LogCapture log = new LogCapture(Processor.class)) {
            run(config("raise_on_object", TestData.mp4().toString()));
            await().atMost(Duration.ofSeconds(60)).until(infer::idle);
            assertThat(stat("function_errors")).isEqualTo(3);
            await().atMost(Duration.ofSeconds(60)).until(() -> on("test/ok").size() == 3);
            assertThat(log.lines()).anyMatch(l -> l.startsWith("WARN function call failed, frame dropped: "
                    + "function=raise_on_object frame=19: [") && l.endsWith("] rpc error: code = Unknown desc = "
                    + "Exception calling application: ('[UserCodeInvoke] ', ValueError('object'))"));
        }
    }

    @Test
    void aFunctionThatTimesOutLosesItsFramesAndTheLoopGoesOn() throws Exception {
        VideoInferConfig c = config("slow_on_object", TestData.mp4().toString());
        c.functions.get(0).timeout = Duration.ofSeconds(1);
        try (LogCapture log = new LogCapture(Processor.class)) {
            run(c);
            await().atMost(Duration.ofSeconds(60)).until(infer::idle);
            assertThat(stat("function_errors")).isEqualTo(3);
            assertThat(stat("inferred")).isEqualTo(6);
            await().atMost(Duration.ofSeconds(60)).until(() -> on("test/ok").size() == 3);
            assertThat(log.contains("function=slow_on_object frame=19: [")).isTrue();
            assertThat(log.contains("rpc error: code = DeadlineExceeded desc = context deadline exceeded")).isTrue();
        }
    }

    @Test
    void anAnswerWithoutPublishTopicIsNotPublishedAndSaysSo() throws Exception {
        try (LogCapture log = new LogCapture(Processor.class)) {
            run(config("no_topic", TestData.mp4().toString()));
            await().atMost(Duration.ofSeconds(60)).until(infer::idle);
            assertThat(stat("no_topic")).isEqualTo(6);
            assertThat(stat("published")).isZero();
            // The image is still written where the answer asked; only the publish has nowhere to go.
            assertThat(images()).hasSize(6);
            assertThat(log.lines()).anyMatch(l -> l.startsWith("WARN answer of function no_topic has no publishTopic, "
                    + "result not published: frame=9 answer='{\"imageLocation\": \"var/db/baetyl/image/"));
            assertThat(log.lines().stream().filter(l -> l.contains("no publishTopic")).count())
                    .as("logged once per 10 s, not per frame").isEqualTo(1);
        }
        assertThat(received).isEmpty();
    }

    @Test
    void anImageLocationOutsideTheVolumesIsRefused() throws Exception {
        try (LogCapture log = new LogCapture(Processor.class)) {
            run(config("outside", TestData.mp4().toString()));
            await().atMost(Duration.ofSeconds(60)).until(infer::idle);
            assertThat(stat("images_refused")).isEqualTo(6);
            assertThat(stat("published")).isZero();
            assertThat(log.lines()).anyMatch(l -> l.startsWith("WARN image not saved, frame dropped: function=outside "
                    + "frame=9: imageLocation '/tmp/video-infer-test-") && l.endsWith(".jpg' is outside the service's "
                    + "volumes (test: var/db/baetyl/image)"));
        }
        try (Stream<Path> s = Files.list(Path.of("/tmp"))) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("video-infer-test-"))).isEmpty();
        }
        try (Stream<Path> s = Files.list(workdir.getParent())) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("escape-"))).isEmpty();
        }
        assertThat(images()).isEmpty();
        assertThat(received).isEmpty();
    }

    @Test
    void anAnswerThatIsNotJsonIsCountedAndAnEmptyOneFilters() throws Exception {
        try (LogCapture log = new LogCapture(Processor.class)) {
            run(config("not_json", TestData.mp4().toString()));
            await().atMost(Duration.ofSeconds(60)).until(infer::idle);
            assertThat(stat("bad_answers")).isEqualTo(6);
            assertThat(log.contains("bad answer from function not_json, frame dropped: frame=9: the answer is not a JSON "
                    + "object: 'hello'")).isTrue();
        }
        infer.close();
        run(config("nothing", TestData.mp4().toString()));
        await().atMost(Duration.ofSeconds(60)).until(infer::idle);
        assertThat(stat("filtered")).isEqualTo(6);
        assertThat(received).isEmpty();
    }

    @Test
    void aFunctionServerThatStartsLaterIsWaitedFor() throws Exception {
        VideoInferConfig c = config("analyse", TestData.avi().toString());
        int port = FreePorts.next();
        c.functions.get(0).address = "127.0.0.1:" + port;
        c.functions.get(0).backoff.max = Duration.ofMillis(500);
        run(c);
        // The first frame is inferred and its call waits for the function server, which is not there yet.
        await().atMost(Duration.ofSeconds(30)).until(() -> stat("inferred") >= 1);
        assertThat(on("video/infer/result")).isEmpty();
        assertThat(stat("function_errors")).isZero();
        try (PythonRuntime late = new PythonRuntime(Files.createTempDirectory(dir, "late"), port)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> on("video/infer/result").size() == 6);
        }
        assertThat(stat("function_errors")).isZero();
    }

    @Test
    void withASlowFunctionTheNewestFrameOfALiveStreamWinsAndNothingPilesUp() throws Exception {
        int port = FreePorts.next();
        try (FfmpegStream camera = new FfmpegStream(TestData.avi(), port, dir.resolve("ffmpeg.log"))) {
            VideoInferConfig c = config("slow", camera.url());
            c.video.limit.fps = 0; // every frame of the 10 frames/s stream goes to the exchange
            run(c);
            await().atMost(Duration.ofSeconds(60)).until(() -> on("test/slow").size() >= 8);
            assertThat(stat("replaced")).as("frames replaced while the function was busy").isGreaterThan(10);
            assertThat(stat("captured")).isGreaterThan(stat("inferred") * 2);
            // Each result belongs to a frame captured just before its call, not one that waited in a queue.
            for (Received r : on("test/slow")) {
                assertThat(r.json.get("imageProcessTime").asDouble()).isLessThan(2.0);
            }
        }
    }
}
