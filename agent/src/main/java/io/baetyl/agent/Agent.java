package io.baetyl.agent;

import io.baetyl.sdk.api.MasterClient;
import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.mqtt.MqttMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud agent: an MQTT connection to the cloud (two-way TLS) that receives OTA orders on the desire topic, an
 * HTTPS channel for reports and volume downloads, the {@link Reporter} and the {@link OtaProcessor}.
 */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig cfg;
    private final CloudHttp http;
    private final Reporter reporter;
    private final OtaProcessor processor;
    private final HubClient mqtt;
    private final AtomicLong ignored = new AtomicLong();
    private volatile String lastConnectError = "";

    /**
     * @param workDir the agent's working dir: its service dir in native mode, {@code /} in a container
     */
    public Agent(AgentConfig cfg, MasterClient master, DeviceIdentity identity, Path workDir) {
        this(cfg, master, identity, workDir, Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    Agent(AgentConfig cfg, MasterClient master, DeviceIdentity identity, Path workDir, Duration poll, Duration retryWait) {
        this.cfg = cfg;
        this.http = new CloudHttp(cfg.remote.http);
        this.reporter = new Reporter(cfg, http, identity, master::inspectSystem);
        Path db = workDir.resolve(VolumeStore.DB_DIR.toString());
        Path volumesDir = db.resolve("volumes");
        VolumeStore store = new VolumeStore(volumesDir, http, cfg.ota.limit, retryWait);
        Cleaner cleaner = new Cleaner(VolumeStore.DB_DIR, volumesDir);
        this.processor = new OtaProcessor(cfg, master, store, reporter, cleaner, workDir.resolve(cfg.ota.logger.path), poll);
        this.mqtt = new HubClient(cfg.remote.mqtt, "remote.mqtt", this::onDesire).onState(new HubClient.StateListener() {
            @Override
            public void connected() {
                lastConnectError = "";
                log.info("connected to the cloud: {} as {}, desire topic {}", cfg.remote.mqtt.address,
                        cfg.remote.mqtt.clientid, cfg.remote.desire.topic);
            }

            @Override
            public void connectFailed(Throwable cause) {
                String why = mqtt.describeConnectFailure(cause);
                if (!why.equals(lastConnectError)) {
                    lastConnectError = why;
                    log.error("cannot connect to the cloud at {} with remote.mqtt.cert={} and remote.mqtt.key={}: {}",
                            cfg.remote.mqtt.address, cfg.remote.mqtt.cert, cfg.remote.mqtt.key, why);
                }
            }
        });
    }

    public Agent start() {
        reporter.start();
        processor.start();
        mqtt.start();
        return this;
    }

    /** A desire message: an OTA order is queued; anything else is logged and dropped. Acknowledged either way. */
    private void onDesire(MqttMessage m) {
        try {
            OtaEvent e = OtaEvent.parse(m.payload());
            log.debug("event: {}", new String(m.payload(), StandardCharsets.UTF_8));
            processor.submit(e);
        } catch (OtaEvent.InvalidEvent e) {
            ignored.incrementAndGet();
            String payload = new String(m.payload(), StandardCharsets.UTF_8);
            log.error("desire message ignored: topic={} error={} payload={}", m.topic(), e.getMessage(),
                    payload.length() > 256 ? payload.substring(0, 256) + "..." : payload);
        } finally {
            mqtt.ack(m);
        }
    }

    public Map<String, Object> stats() {
        Map<String, Object> s = new LinkedHashMap<>(reporter.stats());
        s.put("events_ignored", ignored.get());
        s.put("cloud_connected", mqtt.isConnected());
        return s;
    }

    @Override
    public void close() {
        mqtt.close();
        processor.close();
        reporter.close();
        http.close();
    }
}
