package io.baetyl.video;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.TreeMap;
import org.opencv.core.CvException;
import org.opencv.core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to one frame, in the original's order ({@code main.go} and {@code process.go}):
 * <ol>
 *   <li>blob and forward ({@link Inference});</li>
 *   <li>call the function with the output's float32 bytes and the capture time in Unix nanoseconds;</li>
 *   <li>read its JSON answer; unless {@code imageDiscard}, write the frame to {@code imageLocation};</li>
 *   <li>publish the answer to {@code publishTopic} at {@code publishQOS}, with {@code imageWidth},
 *       {@code imageHight}, {@code imageCaptureTime}, {@code imageInferenceTime}, {@code imageProcessTime}, and
 *       {@code imageData} (the raw BGR pixels, base64 in JSON) when the frame was neither discarded nor saved.</li>
 * </ol>
 * A frame that fails at any step is dropped, counted under the step, and logged (at most once per 10 s per kind).
 */
final class Processor {
    private static final Logger log = LoggerFactory.getLogger(Processor.class);
    /** Go's RFC 3339 with nanoseconds, trailing zeros dropped, as {@code json.Marshal(time.Time)} writes it. */
    static final DateTimeFormatter GO_TIME = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    private final Inference inference;
    private final FunctionClients functions;
    private final String function;
    private final ImageWriter images;
    private final ResultPublisher publisher;
    private final Stats stats;
    private final ZoneId zone;
    private final long maxPayload;
    private final LogLimiter limited = new LogLimiter(log, 10_000);
    private byte[] pixels = new byte[0];

    Processor(Inference inference, FunctionClients functions, String function, ImageWriter images,
              ResultPublisher publisher, Stats stats, ZoneId zone, long maxPayload) {
        this.inference = inference;
        this.functions = functions;
        this.function = function;
        this.images = images;
        this.publisher = publisher;
        this.stats = stats;
        this.zone = zone;
        this.maxPayload = maxPayload;
    }

    void process(Frame f) throws InterruptedException {
        double inferSeconds;
        try {
            inferSeconds = inference.run(f.mat);
        } catch (CvException e) {
            stats.inferErrors.incrementAndGet();
            limited.warn("infer", "inference failed, frame dropped: frame={} size={}x{}: {}", f.number, f.mat.cols(),
                    f.mat.rows(), Inference.firstLine(e));
            return;
        }
        stats.inferred.incrementAndGet();

        byte[] answer;
        try {
            answer = functions.call(function, f.epochNanos(), inference.output());
        } catch (FunctionClients.CallException e) {
            stats.functionErrors.incrementAndGet();
            limited.warn("call", "function call failed, frame dropped: function={} frame={}: {}", function, f.number,
                    e.getMessage());
            return;
        }
        if (answer.length == 0) {
            stats.filtered.incrementAndGet(); // the function returned nothing: nothing to save or publish
            return;
        }
        FunctionAnswer a;
        try {
            a = FunctionAnswer.parse(answer);
        } catch (FunctionAnswer.BadAnswerException e) {
            stats.badAnswers.incrementAndGet();
            limited.warn("answer", "bad answer from function {}, frame dropped: frame={}: {}", function, f.number,
                    e.getMessage());
            return;
        }

        if (!a.discard() && a.location() != null) {
            try {
                images.write(a.location(), f.mat);
                stats.imagesSaved.incrementAndGet();
            } catch (ImageWriter.ImageException e) {
                (e.refused ? stats.imagesRefused : stats.imageErrors).incrementAndGet();
                limited.warn(e.refused ? "refused" : "image", "image not saved, frame dropped: function={} frame={}: {}",
                        function, f.number, e.getMessage());
                return;
            }
        }
        if (a.topic() == null) {
            stats.noTopic.incrementAndGet();
            limited.warn("topic", "answer of function {} has no publishTopic, result not published: frame={} "
                    + "answer={}", function, f.number, FunctionAnswer.preview(answer));
            return;
        }

        TreeMap<String, Object> out = a.content;
        out.put("imageWidth", f.mat.cols());
        out.put("imageHight", f.mat.rows());
        out.put("imageCaptureTime", GO_TIME.format(f.captured.atZone(zone)));
        out.put("imageInferenceTime", inferSeconds);
        out.put("imageProcessTime", (System.nanoTime() - f.capturedNanos) / 1e9);
        if (!a.discard() && a.location() == null) {
            out.put("imageData", pixels(f.mat));
        }
        byte[] payload;
        try {
            payload = FunctionAnswer.JSON.writeValueAsBytes(out);
        } catch (JsonProcessingException e) {
            stats.badAnswers.incrementAndGet();
            limited.warn("json", "result cannot be written as JSON, frame dropped: frame={}: {}", f.number,
                    e.getMessage());
            return;
        }
        if (payload.length > maxPayload) {
            stats.tooLarge.incrementAndGet();
            limited.warn("large", "result not published: frame={} topic={}: {} bytes{} is more than "
                    + "process.after.publish.length.max ({} bytes); the hub's message.length.max must allow it too",
                    f.number, a.topic(), payload.length, out.containsKey("imageData") ? " (with imageData)" : "",
                    maxPayload);
            return;
        }
        publisher.publish(a.topic(), a.qos(), payload, f.capturedNanos);
    }

    /** The frame's raw pixels (Go's {@code img.ToBytes()}), in a buffer reused while the frame size stays. */
    private byte[] pixels(Mat m) {
        int n = (int) (m.total() * m.channels());
        if (pixels.length != n) {
            pixels = new byte[n];
        }
        m.get(0, 0, pixels);
        return pixels;
    }
}
