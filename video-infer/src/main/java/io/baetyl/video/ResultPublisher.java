package io.baetyl.video;

import io.baetyl.sdk.mqtt.HubClient;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes results to the hub with at most {@link #MAX_IN_FLIGHT} messages unacknowledged: when the hub is slow
 * the processing thread waits (and a live source's newer frames replace the waiting one), so results never pile up
 * in memory. A publish that fails or cannot start within {@code wait} is counted and logged.
 */
final class ResultPublisher {
    private static final Logger log = LoggerFactory.getLogger(ResultPublisher.class);
    static final int MAX_IN_FLIGHT = 8;

    private final HubClient hub;
    private final Stats stats;
    private final Duration wait;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final LogLimiter limited = new LogLimiter(log, 10_000);

    ResultPublisher(HubClient hub, Stats stats, Duration wait) {
        this.hub = hub;
        this.stats = stats;
        this.wait = wait;
    }

    void publish(String topic, int qos, byte[] payload, long capturedNanos) throws InterruptedException {
        if (!inFlight.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            stats.publishFailed.incrementAndGet();
            limited.warn("inflight", "publish dropped: {} messages to the hub unacknowledged for {}; topic={}",
                    MAX_IN_FLIGHT, wait, topic);
            return;
        }
        hub.publish(topic, qos, payload, false).whenComplete((ok, e) -> {
            inFlight.release();
            if (e == null) {
                stats.published.incrementAndGet();
                stats.latency.record(System.nanoTime() - capturedNanos);
            } else {
                stats.publishFailed.incrementAndGet();
                limited.warn("failed", "publish failed: topic={} qos={} bytes={}: {}", topic, qos, payload.length,
                        HubClient.describe(e));
            }
        });
    }

    /** Waits up to {@code timeout} for the messages still unacknowledged (at stop). */
    void drain(Duration timeout) throws InterruptedException {
        if (inFlight.tryAcquire(MAX_IN_FLIGHT, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            inFlight.release(MAX_IN_FLIGHT);
        }
    }
}
