package io.baetyl.video;

import io.baetyl.sdk.util.Backoff;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture thread: opens {@code video.uri} (retrying with backoff while it does not open), reads frames with the
 * configured skipping and offers them to the {@link FrameExchange}.
 * <ul>
 *   <li>A camera or stream that stops giving frames is closed and reopened with backoff
 *       ({@code video.reopen.min} doubling to {@code max}; back to min after a frame was read).</li>
 *   <li>A file that ends stops capture and says so, or starts again with {@code video.loop: true}.</li>
 * </ul>
 * OpenCV's {@code VideoCapture} is opened, read and released on this thread only.
 */
final class Capture implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Capture.class);

    private final VideoInferConfig.Video cfg;
    private final FrameExchange exchange;
    private final Stats stats;
    private final VideoSource.Kind kind;
    private final Thread thread;
    private volatile boolean closed;

    Capture(VideoInferConfig.Video cfg, FrameExchange exchange, Stats stats) {
        this.cfg = cfg;
        this.exchange = exchange;
        this.stats = stats;
        this.kind = VideoSource.kindOf(cfg.uri);
        this.thread = new Thread(this::run, "video-capture");
        this.thread.setDaemon(true);
    }

    /** Whether frames of this source replace each other (camera, stream) or queue in order (file). */
    static boolean newestWins(String uri) {
        return VideoSource.kindOf(uri).live();
    }

    Capture start() {
        thread.start();
        return this;
    }

    private void run() {
        VideoSource source = new VideoSource(cfg.uri, cfg.limit.fps);
        Backoff backoff = new Backoff(cfg.reopen.min, cfg.reopen.max, 2);
        long framesSinceOpen = 0;
        long position = 0;
        try {
            while (!closed) {
                if (!source.isOpen()) {
                    if (!source.open()) {
                        stats.openFailures.incrementAndGet();
                        Duration wait = backoff.next();
                        log.warn("cannot open video: uri={} kind={} attempt={}: OpenCV could not open it{}; retrying "
                                + "in {}", source.describe(), kind.name().toLowerCase(), backoff.attempts(),
                                hint(), wait);
                        sleep(wait);
                        continue;
                    }
                    stats.opens.incrementAndGet();
                    framesSinceOpen = 0;
                    position = 0;
                }
                Frame f = exchange.acquire();
                if (f == null) {
                    return; // closed
                }
                boolean ok = source.read(f.mat);
                if (ok) {
                    position += source.skip() + 1;
                    f.captured(position - 1);
                    stats.skipped.addAndGet(source.skip());
                    stats.captured.incrementAndGet();
                    framesSinceOpen++;
                    backoff.reset();
                    exchange.offer(f);
                    continue;
                }
                exchange.giveBack(f);
                source.close();
                if (kind.live() || framesSinceOpen == 0) {
                    // A file that gives no frame at all is as broken as a dropped stream: retry, do not end.
                    stats.drops.incrementAndGet();
                    Duration wait = backoff.next();
                    log.warn("video {}: uri={} after {} frames; reopening in {}",
                            framesSinceOpen == 0 ? "gave no frame" : "dropped", source.describe(), framesSinceOpen,
                            wait);
                    sleep(wait);
                } else if (cfg.loop) {
                    log.info("video file ended: uri={} frames={}; playing it again (video.loop)", source.describe(),
                            position);
                } else {
                    log.info("video file ended: uri={} frames={} sampled={}; capture stopped (video.loop: true "
                            + "plays it again)", source.describe(), position, framesSinceOpen);
                    exchange.end();
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("video capture failed: uri={}: {}", source.describe(), e.toString(), e);
            exchange.end();
        } finally {
            source.close();
        }
    }

    private String hint() {
        return switch (kind) {
            case CAMERA -> " (is /dev/video" + cfg.uri + " present, and mapped into the container with devices?)";
            case STREAM -> " (is the camera or server reachable, and are its credentials and path right?)";
            case FILE -> " (does the file exist inside a volume of this service, in a format FFmpeg reads?)";
        };
    }

    private void sleep(Duration d) throws InterruptedException {
        if (!closed) {
            Thread.sleep(d.toMillis());
        }
    }

    /** Stops capturing; waits for the thread, which may sit in a network read up to OpenCV's timeout. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(VideoSource.NETWORK_TIMEOUT_MS + 2_000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("video capture thread still busy in OpenCV after {} ms; not waiting longer",
                    VideoSource.NETWORK_TIMEOUT_MS + 2_000L);
        }
    }

    boolean stopped() {
        return !thread.isAlive();
    }
}
