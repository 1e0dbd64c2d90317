package io.baetyl.video;

import java.time.Instant;
import org.opencv.core.Mat;

/**
 * One of the few reusable frame buffers ({@link FrameExchange}): the decoded image and when it was captured. The
 * Mat keeps its native buffer between frames of the same size, so capture allocates nothing per frame.
 */
final class Frame {
    final Mat mat = new Mat();
    /** Wall-clock capture time: the function's timestamp and {@code imageCaptureTime}. */
    Instant captured = Instant.EPOCH;
    /** {@link System#nanoTime()} at capture, for latencies. */
    long capturedNanos;
    /** Index of the frame in its source since it was (re)opened, counting skipped frames. */
    long number;

    void captured(long number) {
        this.number = number;
        this.captured = Instant.now();
        this.capturedNanos = System.nanoTime();
    }

    /** The capture time in Unix nanoseconds (Go's {@code UnixNano()}). */
    long epochNanos() {
        return captured.getEpochSecond() * 1_000_000_000L + captured.getNano();
    }
}
