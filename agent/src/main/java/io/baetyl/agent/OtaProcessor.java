package io.baetyl.agent;

import io.baetyl.sdk.api.MasterClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out OTA orders one after the other, on its own thread, step by step as baetyl-agent 1.x:
 * <ol>
 *   <li>log RECEIVED; fetch the event's volume (download, MD5, safe unzip; skipped when already there);</li>
 *   <li>APP: read {@code metadata.yml} / {@code application.yml}, require services, fetch every volume with a
 *       {@code meta.url}; the master's target is the volume's {@code application.yml}.
 *       MST: the target is the volume's {@code bin/baetyl};</li>
 *   <li>{@code PUT /v1/system/update} with the target's path on the master's side;</li>
 *   <li>follow the OTA log once a second, reporting each change, until UPDATED, ROLLEDBACK, FAILURE, or TIMEOUT
 *       after {@code ota.timeout};</li>
 *   <li>after UPDATED of an APP, remove the volumes the new app no longer uses.</li>
 * </ol>
 * Any failure before the master takes over is logged as FAILURE and reported. At start, an OTA that a previous
 * agent left unfinished (this agent was restarted by it, or the master was replaced) is followed to its end first.
 */
final class OtaProcessor implements AutoCloseable {
    /** OTA orders waiting while one runs; more are refused (reported as FAILURE). */
    static final int QUEUE_CAPACITY = 10;
    /** Traces remembered to drop a redelivered order (MQTT QoS 1 may deliver twice). */
    static final int RECENT_TRACES = 64;
    private static final Logger log = LoggerFactory.getLogger(OtaProcessor.class);

    private final AgentConfig cfg;
    private final MasterClient master;
    private final VolumeStore volumes;
    private final Reporter reporter;
    private final Cleaner cleaner;
    private final Path otaLog;
    private final Duration poll;
    private final BlockingQueue<OtaEvent> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Map<String, Boolean> recent = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENT_TRACES;
        }
    };
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    OtaProcessor(AgentConfig cfg, MasterClient master, VolumeStore volumes, Reporter reporter, Cleaner cleaner,
                 Path otaLog, Duration poll) {
        this.cfg = cfg;
        this.master = master;
        this.volumes = volumes;
        this.reporter = reporter;
        this.cleaner = cleaner;
        this.otaLog = otaLog;
        this.poll = poll;
        this.thread = new Thread(this::run, "ota");
        this.thread.setDaemon(true);
    }

    OtaProcessor start() {
        thread.start();
        return this;
    }

    /** Queues an order. False (and a FAILURE reported for its trace) when it cannot be taken. */
    boolean submit(OtaEvent e) {
        synchronized (recent) {
            if (!e.trace().isEmpty() && recent.containsKey(e.trace())) {
                log.warn("ota event ignored: trace {} was received already (a redelivery)", e.trace());
                return false;
            }
            if (!queue.offer(e)) {
                String error = "agent busy: " + QUEUE_CAPACITY + " OTA events are already waiting";
                log.error("ota event refused: trace={} type={}: {}", e.trace(), e.type(), error);
                Map<String, Object> rec = new LinkedHashMap<>();
                rec.put("time", java.time.Instant.now().toString());
                rec.put("step", OtaRun.FAILURE);
                rec.put("trace", e.trace());
                rec.put("error", error);
                reporter.progress(e.trace(), List.of(rec), true);
                return false;
            }
            if (!e.trace().isEmpty()) {
                recent.put(e.trace(), Boolean.TRUE);
            }
            return true;
        }
    }

    private void run() {
        try {
            OtaRun left = OtaRun.recover(otaLog);
            if (left != null) {
                log.info("following the OTA a previous agent left: trace={} type={}", left.trace, left.type);
                synchronized (recent) {
                    recent.put(left.trace, Boolean.TRUE);
                }
                follow(left);
            }
            while (stop.getCount() > 0) {
                OtaEvent e = queue.poll(1, TimeUnit.SECONDS);
                if (e != null) {
                    process(e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("ota processing stopped: {}", e.toString(), e);
        }
    }

    void process(OtaEvent e) throws InterruptedException {
        cleaner.reset();
        log.info("process ota: type={}, trace={}, version={}, {}", e.type(), e.trace(), e.version(), e.volume());
        OtaRun run = OtaRun.received(otaLog, e);
        run.load();
        reporter.progress(run.trace, run.records(), false);
        try {
            apply(e);
        } catch (IOException | RuntimeException ex) {
            run.write(OtaRun.FAILURE, "failed to process ota event", ex.getMessage());
        }
        follow(run);
    }

    private void apply(OtaEvent e) throws IOException, InterruptedException {
        VolumeStore.Dirs dirs;
        try {
            dirs = volumes.fetch(e.volume());
        } catch (IOException ex) {
            throw new IOException("failed to download volume: " + ex.getMessage(), ex);
        }
        String hostTarget;
        if (OtaEvent.APP.equals(e.type())) {
            AppMetadata meta = AppMetadata.read(dirs.agentDir());
            for (VolumeInfo v : meta.volumes()) {
                if (v.meta.url == null || v.meta.url.isEmpty()) {
                    continue;
                }
                try {
                    volumes.fetch(v);
                } catch (IOException ex) {
                    throw new IOException("failed to download app volumes: " + ex.getMessage(), ex);
                }
            }
            cleaner.set(meta.version(), meta.volumes());
            hostTarget = dirs.hostDir() + "/" + AppMetadata.APPLICATION;
        } else {
            if (!Files.exists(dirs.agentDir().resolve("bin/baetyl"))) {
                throw new IOException("master volume (" + e.volume().name + ") holds no bin/baetyl");
            }
            hostTarget = dirs.hostDir() + "/bin/baetyl";
        }
        try {
            master.updateSystem(e.trace(), e.type(), hostTarget);
        } catch (RuntimeException ex) {
            throw new IOException("failed to update system: " + ex.getMessage(), ex);
        }
        log.info("master is updating: type={} trace={} target={}", e.type(), e.trace(), hostTarget);
    }

    /** Follows the OTA log until the run is over, reporting every change; cleans after a successful APP update. */
    private void follow(OtaRun run) throws InterruptedException {
        long deadline = System.nanoTime() + cfg.ota.timeout.toNanos();
        log.info("waiting ota to finish: trace={}", run.trace);
        boolean first = true; // a recovered run's records were read already: they still have to be reported
        try {
            while (true) {
                if (run.load() || first) {
                    first = false;
                    reporter.progress(run.trace, run.records(), run.finished());
                }
                if (run.finished()) {
                    log.info("ota is finished: trace={} step={}", run.trace, run.lastStep());
                    if (run.succeeded() && OtaEvent.APP.equals(run.type)) {
                        clean();
                    }
                    return;
                }
                if (System.nanoTime() - deadline >= 0) {
                    run.write(OtaRun.TIMEOUT, "ota is timed out", null);
                    log.warn("ota is timed out after {}: trace={}", cfg.ota.timeout, run.trace);
                    run.load();
                    reporter.progress(run.trace, run.records(), true);
                    return;
                }
                if (stop.await(poll.toMillis(), TimeUnit.MILLISECONDS)) {
                    // Stopping (the update may be restarting this agent): report what is known, leave the log to the next agent.
                    run.load();
                    reporter.progress(run.trace, run.records(), false);
                    return;
                }
            }
        } finally {
            run.close();
        }
    }

    private void clean() {
        String confVersion;
        try {
            Object sw = master.inspectSystem().get("software");
            confVersion = sw instanceof Map<?, ?> m && m.get("conf_version") != null ? String.valueOf(m.get("conf_version")) : "";
        } catch (RuntimeException e) {
            log.warn("not cleaning old volumes: cannot inspect the master: {}", e.getMessage());
            return;
        }
        cleaner.clean(confVersion);
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
