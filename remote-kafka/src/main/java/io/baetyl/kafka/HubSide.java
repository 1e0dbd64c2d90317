package io.baetyl.kafka;

import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import io.baetyl.sdk.mqtt.MqttMessage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One connection to the hub with its state for the report, and a hook for the moment a connection is lost. */
final class HubSide implements HubClient.StateListener {
    private static final Logger log = LoggerFactory.getLogger(HubSide.class);

    final String name;
    final MqttClientConfig cfg;
    final HubClient client;
    private final Runnable onLost;
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");

    /**
     * @param handler receives the subscriptions' messages (null: publish only)
     * @param onLost  runs when an established connection is lost (its unacknowledged deliveries come again)
     */
    HubSide(String name, MqttClientConfig cfg, Consumer<MqttMessage> handler, Runnable onLost) {
        this.name = name;
        this.cfg = cfg;
        this.onLost = onLost;
        this.client = new HubClient(cfg, handler).onState(this);
    }

    @Override
    public void connected() {
        connects.incrementAndGet();
        log.info("{}: hub connected: address={} clientid={}", name, cfg.address, cfg.clientid);
    }

    @Override
    public void connectFailed(Throwable cause) {
        failures.incrementAndGet();
        String reason = client.describeConnectFailure(cause);
        String previous = lastError.getAndSet(reason);
        if (!reason.equals(previous) && reason.contains("CONNACK")) {
            // Credentials do not heal by retrying: say once, loudly, what to fix.
            log.error("{}: the hub refused the connection: address={} clientid={}: {} (check hub.username and hub.password)",
                    name, cfg.address, cfg.clientid, reason);
        }
    }

    @Override
    public void connectionLost(Throwable cause) {
        lastError.set(HubClient.describe(cause));
        onLost.run();
    }

    Map<String, Object> stats() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("address", cfg.address);
        s.put("clientid", cfg.clientid);
        s.put("connected", client.isConnected());
        s.put("connects", connects.get());
        s.put("connect_failures", failures.get());
        s.put("last_error", lastError.get());
        return s;
    }
}
