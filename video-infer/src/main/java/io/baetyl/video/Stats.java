package io.baetyl.video;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What video-infer counts: logged every minute and at stop, and reported to the master (inspect shows them under
 * the instance). Every dropped frame is counted under the reason it was dropped.
 */
final class Stats {
    /** Frames read from the source and handed to inference (skipped ones not included). */
    final AtomicLong captured = new AtomicLong();
    /** Frames grabbed and dropped by {@code video.limit.fps}. */
    final AtomicLong skipped = new AtomicLong();
    /** Frames replaced by a newer one while the previous call was still running (live sources). */
    final AtomicLong replaced = new AtomicLong();
    final AtomicLong inferred = new AtomicLong();
    final AtomicLong inferErrors = new AtomicLong();
    final AtomicLong functionErrors = new AtomicLong();
    /** Answers that were empty (the function filtered the frame). */
    final AtomicLong filtered = new AtomicLong();
    /** Answers that were not a JSON object, or had a bad publishTopic/publishQOS. */
    final AtomicLong badAnswers = new AtomicLong();
    final AtomicLong noTopic = new AtomicLong();
    final AtomicLong imagesSaved = new AtomicLong();
    final AtomicLong imagesRefused = new AtomicLong();
    final AtomicLong imageErrors = new AtomicLong();
    /** Results larger than process.after.publish.length.max, not published. */
    final AtomicLong tooLarge = new AtomicLong();
    final AtomicLong published = new AtomicLong();
    final AtomicLong publishFailed = new AtomicLong();
    final AtomicLong opens = new AtomicLong();
    final AtomicLong openFailures = new AtomicLong();
    final AtomicLong drops = new AtomicLong();
    final Latency latency = new Latency();

    Map<String, Object> snapshot() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("captured", captured.get());
        m.put("skipped", skipped.get());
        m.put("replaced", replaced.get());
        m.put("inferred", inferred.get());
        m.put("infer_errors", inferErrors.get());
        m.put("function_errors", functionErrors.get());
        m.put("filtered", filtered.get());
        m.put("bad_answers", badAnswers.get());
        m.put("no_topic", noTopic.get());
        m.put("images_saved", imagesSaved.get());
        m.put("images_refused", imagesRefused.get());
        m.put("image_errors", imageErrors.get());
        m.put("too_large", tooLarge.get());
        m.put("published", published.get());
        m.put("publish_failed", publishFailed.get());
        m.put("opens", opens.get());
        m.put("open_failures", openFailures.get());
        m.put("drops", drops.get());
        m.put("latency_ms", latency.snapshot());
        return m;
    }

    /**
     * Capture-to-publish latency (until the hub acknowledged QoS 1, or the message was written for QoS 0), in a
     * fixed set of buckets: constant memory however long the run.
     */
    static final class Latency {
        private static final long[] BOUNDS_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
            30000, Long.MAX_VALUE};
        private final AtomicLongArray counts = new AtomicLongArray(BOUNDS_MS.length);
        private final AtomicLong total = new AtomicLong();
        private final AtomicLong sumMicros = new AtomicLong();
        private final AtomicLong maxMicros = new AtomicLong();

        void record(long nanos) {
            long micros = nanos / 1000;
            long ms = nanos / 1_000_000;
            int i = 0;
            while (ms >= BOUNDS_MS[i]) {
                i++;
            }
            counts.incrementAndGet(i);
            total.incrementAndGet();
            sumMicros.addAndGet(micros);
            maxMicros.accumulateAndGet(micros, Math::max);
        }

        /** The upper bound (ms) of the bucket holding quantile {@code q}, or 0 before any sample. */
        long quantileBoundMs(double q) {
            long n = total.get();
            if (n == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(q * n);
            long seen = 0;
            for (int i = 0; i < BOUNDS_MS.length; i++) {
                seen += counts.get(i);
                if (seen >= rank) {
                    return BOUNDS_MS[i] == Long.MAX_VALUE ? maxMicros.get() / 1000 : BOUNDS_MS[i];
                }
            }
            return maxMicros.get() / 1000;
        }

        Map<String, Object> snapshot() {
            long n = total.get();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", n);
            m.put("mean", n == 0 ? 0.0 : Math.round(sumMicros.get() / (double) n / 10.0) / 100.0);
            m.put("max", Math.round(maxMicros.get() / 10.0) / 100.0);
            m.put("p50_under", quantileBoundMs(0.5));
            m.put("p99_under", quantileBoundMs(0.99));
            return m;
        }
    }
}
