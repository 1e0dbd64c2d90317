package io.baetyl.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the device to the cloud over HTTPS: at start and every {@code remote.report.interval}, and at once when an
 * OTA makes progress. A report is the master's inspect document plus {@code "ota": {<trace>: [records]}} for the
 * OTA that runs and for a finished one not yet delivered; sealed by {@link ReportCrypto} and POSTed to
 * {@code remote.http.address + remote.report.url} with the headers {@code x-iot-edge-sn},
 * {@code x-iot-edge-key} and {@code x-iot-edge-clientid}.
 *
 * <p>Reports run on their own thread, one at a time: a slow or unreachable cloud never holds up an OTA. A failed
 * report is logged and counted, and the next tick sends the state of that moment; a finished OTA's records are
 * kept (at most {@link #MAX_OTA_KEPT} traces) until a report carried them.
 */
final class Reporter implements AutoCloseable {
    static final int MAX_OTA_KEPT = 16;
    private static final Logger log = LoggerFactory.getLogger(Reporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AgentConfig cfg;
    private final CloudHttp http;
    private final DeviceIdentity identity;
    private final Supplier<Map<String, Object>> inspect;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean pending = new AtomicBoolean();
    /** trace → progress; insertion order, oldest first. Guarded by itself. */
    private final Map<String, Progress> ota = new LinkedHashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile String lastError = "";

    private record Progress(List<Map<String, Object>> records, boolean finished) {
    }

    Reporter(AgentConfig cfg, CloudHttp http, DeviceIdentity identity, Supplier<Map<String, Object>> inspect) {
        this.cfg = cfg;
        this.http = http;
        this.identity = identity;
        this.inspect = inspect;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "report");
            t.setDaemon(true);
            return t;
        });
    }

    Reporter start() {
        long every = cfg.remote.report.interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::reportSafely, 0, every, TimeUnit.MILLISECONDS);
        log.info("reporting to {}{} every {}ms", cfg.remote.http.address, cfg.remote.report.url, every);
        return this;
    }

    /** The records of an OTA changed: they go out with the next report, which is sent now. */
    void progress(String trace, List<Map<String, Object>> records, boolean finished) {
        if (trace == null || trace.isEmpty() || records.isEmpty()) {
            return;
        }
        synchronized (ota) {
            ota.remove(trace);
            ota.put(trace, new Progress(List.copyOf(records), finished));
            while (ota.size() > MAX_OTA_KEPT) {
                String oldest = ota.keySet().iterator().next();
                ota.remove(oldest);
                log.warn("OTA trace {} dropped from reports: more than {} traces waiting for the cloud", oldest, MAX_OTA_KEPT);
            }
        }
        requestNow();
    }

    /** Sends a report as soon as the report thread is free (requests while one waits are merged). */
    void requestNow() {
        if (pending.compareAndSet(false, true)) {
            try {
                scheduler.execute(() -> {
                    pending.set(false);
                    reportSafely();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false); // closing
            }
        }
    }

    private void reportSafely() {
        try {
            report();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failed.incrementAndGet();
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            // Every failure is counted; the log says it at warn when it changes, at debug while it repeats.
            if (!msg.equals(lastError)) {
                log.warn("failed to report stats by https (retried every {}ms): {}", cfg.remote.report.interval.toMillis(), msg);
            } else {
                log.debug("failed to report stats by https: {}", msg);
            }
            lastError = msg;
        }
    }

    /** Builds, seals and POSTs one report. */
    void report() throws Exception {
        Map<String, Object> doc;
        try {
            doc = new LinkedHashMap<>(inspect.get());
        } catch (RuntimeException e) {
            log.warn("failed to inspect stats: {}", e.getMessage());
            doc = new LinkedHashMap<>();
            doc.put("time", Instant.now().toString());
            doc.put("error", e.getMessage());
        }
        Map<String, Progress> carried;
        synchronized (ota) {
            carried = new LinkedHashMap<>(ota);
        }
        if (!carried.isEmpty()) {
            Map<String, Object> traces = new LinkedHashMap<>();
            carried.forEach((trace, p) -> traces.put(trace, p.records));
            doc.put("ota", traces);
        }
        byte[] json = JSON.writeValueAsBytes(doc);
        ReportCrypto.Sealed sealed = ReportCrypto.seal(json, identity.privateKey());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-iot-edge-sn", identity.serialNumber());
        headers.put("x-iot-edge-key", sealed.key());
        headers.put("x-iot-edge-clientid", cfg.remote.mqtt.clientid);
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        http.post(cfg.remote.report.url, sealed.body(), headers);
        sent.incrementAndGet();
        if (!lastError.isEmpty()) {
            log.info("reporting to the cloud works again");
            lastError = "";
        }
        log.debug("report sent: {} bytes, ota traces {}", json.length, carried.keySet());
        synchronized (ota) {
            // Delivered: a finished OTA is done with; one still running is sent again with each report.
            carried.forEach((trace, p) -> {
                if (p.finished && ota.get(trace) == p) {
                    ota.remove(trace);
                }
            });
        }
    }

    Map<String, Object> stats() {
        return Map.of("reports_sent", sent.get(), "reports_failed", failed.get());
    }

    /** Stops reporting; a report already requested (an OTA's last progress) gets up to 3 s to go out. */
    @Override
    public void close() {
        scheduler.shutdown(); // periodic ticks stop; a requested report still runs
        try {
            if (!scheduler.awaitTermination(3, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
