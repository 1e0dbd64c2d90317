package io.baetyl.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.baetyl.sdk.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Capture on real OpenCV with the generated videos and a real HTTP stream (ffmpeg). */
@Timeout(120)
class CaptureTest {
    @TempDir
    Path tmp;
    private final Stats stats = new Stats();
    private Capture capture;
    private FrameExchange exchange;
    private Thread consumer;
    private final AtomicBoolean stop = new AtomicBoolean();
    /** Frame number -> brightness of the center pixel, as the consumer saw it. */
    private final Map<Long, Integer> seen = new ConcurrentHashMap<>();
    private final List<Long> order = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void opencv() {
        OpenCv.load();
    }

    private void start(String uri, boolean loop) {
        VideoInferConfig.Video v = new VideoInferConfig.Video();
        v.uri = uri;
        v.limit.fps = 1;
        v.loop = loop;
        v.reopen.min = Duration.ofMillis(100);
        v.reopen.max = Duration.ofMillis(400);
        exchange = new FrameExchange(Capture.newestWins(uri));
        capture = new Capture(v, exchange, stats).start();
        consumer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Frame f = exchange.take(200);
                    if (f == null) {
                        continue;
                    }
                    byte[] px = new byte[3];
                    f.mat.get(f.mat.rows() / 2, f.mat.cols() / 2, px);
                    seen.put(f.number, px[0] & 0xff);
                    order.add(f.number);
                    exchange.recycle(f);
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        consumer.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        stop.set(true);
        if (exchange != null) {
            exchange.close();
        }
        if (capture != null) {
            capture.close();
        }
        if (consumer != null) {
            consumer.join(5000);
        }
        if (exchange != null && capture.stopped() && !consumer.isAlive()) {
            exchange.releaseAll();
        }
    }

    private void assertSampledFramesOfTheTestVideo() {
        assertThat(order).containsExactlyElementsOf(TestData.SAMPLED);
        for (long n : TestData.SAMPLED) {
            if (TestData.WITH_OBJECT.contains(n)) {
                assertThat(seen.get(n)).as("frame %d shows the object", n).isGreaterThan(200);
            } else {
                assertThat(seen.get(n)).as("frame %d is dark", n).isLessThan(60);
            }
        }
    }

    @Test
    void anMp4FileIsSampledInOrderAndItsEndStopsCaptureWithALogLine() throws Exception {
        Path mp4 = TestData.mp4();
        try (LogCapture log = new LogCapture(Capture.class)) {
            start(mp4.toString(), false);
            await().atMost(Duration.ofSeconds(60)).until(() -> exchange.ended() && capture.stopped());
            assertThat(log.lines()).anyMatch(l -> l.startsWith("INFO video file ended: uri=" + mp4
                    + " frames=60 sampled=6; capture stopped (video.loop: true plays it again)"));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> order.size() == 6);
        assertSampledFramesOfTheTestVideo();
        assertThat(stats.captured.get()).isEqualTo(6);
        assertThat(stats.skipped.get()).isEqualTo(54);
        assertThat(stats.opens.get()).isEqualTo(1);
    }

    @Test
    void anMjpegFileReadsTheSame() throws Exception {
        start(TestData.avi().toString(), false);
        await().atMost(Duration.ofSeconds(60)).until(() -> exchange.ended() && capture.stopped());
        await().atMost(Duration.ofSeconds(60)).until(() -> order.size() == 6);
        assertSampledFramesOfTheTestVideo();
    }

    @Test
    void withLoopTheFilePlaysAgain() throws Exception {
        try (LogCapture log = new LogCapture(Capture.class)) {
            start(TestData.avi().toString(), true);
            await().atMost(Duration.ofSeconds(60)).until(() -> order.size() >= 14);
            assertThat(List.copyOf(order).subList(0, 14)).containsExactly(9L, 19L, 29L, 39L, 49L, 59L, 9L, 19L, 29L, 39L, 49L, 59L,
                    9L, 19L);
            assertThat(log.contains("video file ended: uri=" + TestData.avi() + " frames=60; playing it again (video.loop)"))
                    .isTrue();
            assertThat(capture.stopped()).isFalse();
        }
    }

    @Test
    void aFileThatDoesNotOpenIsAnErrorWithItsUriRetriedUntilItAppears() throws Exception {
        Path late = tmp.resolve("late.avi");
        try (LogCapture log = new LogCapture(Capture.class)) {
            start(late.toString(), false);
            // the capture counts a failure before it logs it: wait for the third line, not for the third count
            await().atMost(Duration.ofSeconds(30)).until(() -> log.contains("attempt=3"));
            assertThat(stats.openFailures.get()).isGreaterThanOrEqualTo(3);
            assertThat(log.lines()).anyMatch(l -> l.startsWith("WARN cannot open video: uri=" + late
                    + " kind=file attempt=1: OpenCV could not open it (does the file exist inside a volume of this "
                    + "service, in a format FFmpeg reads?); retrying in PT0.1S"));
            assertThat(order).isEmpty();
            Files.copy(TestData.avi(), late);
            await().atMost(Duration.ofSeconds(30)).until(() -> exchange.ended() && order.size() == 6);
        }
        assertSampledFramesOfTheTestVideo();
    }

    @Test
    void aStreamThatDoesNotOpenIsRetriedAndItsPasswordStaysOutOfTheLog() throws Exception {
        int port = FreePorts.next(); // nothing listens there
        try (LogCapture log = new LogCapture(Capture.class)) {
            start("rtsp://admin:secret@127.0.0.1:" + port + "/Streaming/channels/1/", false);
            await().atMost(Duration.ofSeconds(30)).until(() -> stats.openFailures.get() >= 2);
            assertThat(log.lines()).anyMatch(l -> l.startsWith("WARN cannot open video: uri=rtsp://admin:***@127.0.0.1:"
                    + port + "/Streaming/channels/1/ kind=stream attempt=1: OpenCV could not open it (is the camera or "
                    + "server reachable"));
            assertThat(log.lines()).noneMatch(l -> l.contains("secret"));
        }
    }

    @Test
    void aCameraThatIsNotThereIsRetried() {
        assumeFalse(Files.exists(Path.of("/dev/video7")), "this machine has a /dev/video7");
        try (LogCapture log = new LogCapture(Capture.class)) {
            start("7", false);
            await().atMost(Duration.ofSeconds(30)).until(() -> stats.openFailures.get() >= 2);
            assertThat(log.contains("cannot open video: uri=7 kind=camera attempt=1: OpenCV could not open it (is "
                    + "/dev/video7 present, and mapped into the container with devices?)")).isTrue();
        }
    }

    @Test
    void aStreamThatDropsIsReopenedWithBackoffAndFramesComeAgain() throws Exception {
        int port = FreePorts.next();
        Path ffLog = tmp.resolve("ffmpeg.log");
        try (LogCapture log = new LogCapture(Capture.class)) {
            FfmpegStream server = new FfmpegStream(TestData.avi(), port, ffLog);
            start(FfmpegStream.url(port), false);
            await().atMost(Duration.ofSeconds(60)).until(() -> order.size() >= 2);
            assertThat(stats.opens.get()).isEqualTo(1);
            server.close(); // the camera goes away
            // counted before it is logged: wait for the line
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> log.contains("video dropped: uri=" + FfmpegStream.url(port)));
            assertThat(stats.drops.get()).isGreaterThanOrEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> stats.openFailures.get() >= 1); // refused while down
            int before = order.size();
            try (FfmpegStream back = new FfmpegStream(TestData.avi(), port, ffLog)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> order.size() >= before + 2);
                assertThat(stats.opens.get()).isGreaterThanOrEqualTo(2);
            }
        }
        assertThat(exchange.ended()).as("a stream never ends, it is reopened").isFalse();
    }
}
