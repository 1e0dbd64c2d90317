package io.baetyl.video;

import io.baetyl.sdk.mqtt.HubClient;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running module: a capture thread feeding a {@link FrameExchange} and a processing thread taking the newest
 * (camera, stream) or next (file) frame through {@link Processor}. Memory is bounded by construction: two or three
 * frame buffers, one blob and one output at a time, at most {@link ResultPublisher#MAX_IN_FLIGHT} results on their
 * way to the hub.
 */
final class VideoInfer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VideoInfer.class);

    private final Stats stats = new Stats();
    private final FrameExchange exchange;
    private final Capture capture;
    private final Processor processor;
    private final ImageWriter images;
    private final ResultPublisher publisher;
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean finished;

    VideoInfer(VideoInferConfig cfg, Inference inference, FunctionClients functions, HubClient hub,
               ServiceVolumes volumes) {
        this.exchange = new FrameExchange(Capture.newestWins(cfg.video.uri));
        this.capture = new Capture(cfg.video, exchange, stats);
        this.images = new ImageWriter(volumes, cfg.process.after.image.free.min.bytes());
        this.publisher = new ResultPublisher(hub, stats, cfg.hub.timeout);
        this.processor = new Processor(inference, functions, cfg.process.after.function.name, images, publisher,
                stats, ZoneId.systemDefault(), cfg.process.after.publish.length.max.bytes());
        this.thread = new Thread(this::run, "video-infer");
        this.thread.setDaemon(true);
        log.info("video-infer: uri={} kind={} frames={} function={} images in {}",
                VideoSource.redacted(cfg.video.uri), VideoSource.kindOf(cfg.video.uri).name().toLowerCase(),
                Capture.newestWins(cfg.video.uri) ? "newest wins" : "in order", cfg.process.after.function.name,
                volumes.describeRoots());
    }

    VideoInfer start() {
        capture.start();
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (!closed) {
                Frame f = exchange.take(1000);
                if (f == null) {
                    if (exchange.ended()) {
                        finished = true; // the file ended and its last frame is done: idle until stopped
                        return;
                    }
                    continue;
                }
                try {
                    processor.process(f);
                } catch (RuntimeException e) {
                    // Whatever went wrong with this frame, the next one gets its chance.
                    log.error("frame {} failed: {}", f.number, e.toString(), e);
                } finally {
                    exchange.recycle(f);
                }
            }
        } catch (InterruptedException e) {
            // stopping
        }
    }

    Map<String, Object> stats() {
        stats.replaced.set(exchange.replaced());
        return stats.snapshot();
    }

    /** True once a file source ended and its last frame was processed. */
    boolean idle() {
        return finished;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        exchange.close();
        capture.close();
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
            publisher.drain(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive() && capture.stopped()) {
            exchange.releaseAll();
            images.close();
        }
        log.info("video-infer stopped: {}", stats());
    }
}
