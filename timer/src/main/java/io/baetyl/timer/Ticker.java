package io.baetyl.timer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.sdk.mqtt.HubClient;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@code publish.payload} plus {@code "time"} to the hub every {@code timer.interval}, the first time one
 * interval after start (as Go's ticker does).
 */
public final class Ticker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ticker.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TimerConfig cfg;
    private final HubClient hub;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    public Ticker(TimerConfig cfg, HubClient hub, Clock clock) {
        this.cfg = cfg;
        this.hub = hub;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "timer");
            t.setDaemon(true);
            return t;
        });
    }

    public Ticker start() {
        long every = cfg.timer.interval.toMillis();
        scheduler.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
        log.info("timer started: interval={}ms topic={} qos={}", every, cfg.publish.topic, cfg.publish.qos);
        return this;
    }

    /** The message of one tick: the configured payload with {@code time} set to the current unix second. */
    byte[] payload() throws JsonProcessingException {
        Map<String, Object> m = new LinkedHashMap<>(cfg.publish.payload);
        m.put("time", clock.millis() / 1000);
        return JSON.writeValueAsBytes(m);
    }

    private void tick() {
        byte[] body;
        try {
            body = payload();
        } catch (JsonProcessingException e) {
            log.error("timer payload cannot be written as JSON: {}", e.getMessage());
            return;
        }
        published.incrementAndGet();
        // Never wait here: a slow or absent hub must not delay the next tick; the client buffers while reconnecting.
        hub.publish(cfg.publish.topic, cfg.publish.qos, body, false).whenComplete((ok, e) -> {
            if (e == null) {
                acknowledged.incrementAndGet();
            } else {
                failed.incrementAndGet();
                log.warn("timer publish failed: topic={} qos={}: {}", cfg.publish.topic, cfg.publish.qos,
                        HubClient.describe(e));
            }
        });
    }

    /** Ticks published, acknowledged (QoS 1: PUBACK; QoS 0: written) and failed so far. */
    public Map<String, Object> stats() {
        return Map.of("published", published.get(), "acknowledged", acknowledged.get(), "failed", failed.get());
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
