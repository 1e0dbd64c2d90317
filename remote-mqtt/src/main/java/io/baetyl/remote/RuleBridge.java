package io.baetyl.remote;

import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rule: a client on the hub and a client on the remote, and a {@link Forwarder} each way. The hub client's
 * subscriptions feed the remote; the remote client's feed the hub.
 */
final class RuleBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuleBridge.class);

    private final String name;
    private final Side hub;
    private final Side remote;
    private final Forwarder hubToRemote;
    private final Forwarder remoteToHub;

    /**
     * @param index     the rule's position in {@code rules[]}, for log lines and config keys
     * @param remoteKey the config key of the rule's remote, e.g. {@code remotes[1]}, named in failure hints
     */
    RuleBridge(int index, String remoteName, String remoteKey, MqttClientConfig hubCfg, MqttClientConfig remoteCfg) {
        this.name = "rules[" + index + "] (remote '" + remoteName + "')";
        // The clients are made before the forwarders that need both of them, so their handlers go through fields.
        Forwarder[] directions = new Forwarder[2];
        this.hub = new Side("hub", "hub", hubCfg, m -> directions[0].onMessage(m));
        this.remote = new Side("remote '" + remoteName + "'", remoteKey, remoteCfg, m -> directions[1].onMessage(m));
        this.hubToRemote = new Forwarder(name + " hub->remote", hub.client, remote.client);
        this.remoteToHub = new Forwarder(name + " remote->hub", remote.client, hub.client);
        directions[0] = hubToRemote;
        directions[1] = remoteToHub;
        hub.sourceOf = hubToRemote;
        hub.targetOf = remoteToHub;
        remote.sourceOf = remoteToHub;
        remote.targetOf = hubToRemote;
    }

    RuleBridge start() {
        log.info("{}: bridging hub {} (clientid={}) and {} (clientid={})", name, hub.cfg.address, hub.cfg.clientid,
                remote.cfg.address, remote.cfg.clientid);
        hub.client.start();
        remote.client.start();
        return this;
    }

    /** Completes exceptionally when a side refuses a subscription and {@code validatesubs} is set. */
    CompletableFuture<Void> subscribed() {
        return CompletableFuture.allOf(hub.client.connected(), remote.client.connected());
    }

    /** Resends what failed, where the target is connected again; called periodically as a safety net. */
    void resend() {
        hubToRemote.resend();
        remoteToHub.resend();
    }

    Map<String, Object> stats() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("hub", hub.stats());
        s.put("remote", remote.stats());
        s.put("hub_to_remote", hubToRemote.stats());
        s.put("remote_to_hub", remoteToHub.stats());
        return s;
    }

    @Override
    public void close() {
        hubToRemote.close();
        remoteToHub.close();
        hub.client.close();
        remote.client.close();
    }

    /** One connection of the rule and its state. */
    private final class Side implements HubClient.StateListener {
        final String label;
        final String key;
        final MqttClientConfig cfg;
        final HubClient client;
        Forwarder sourceOf;
        Forwarder targetOf;
        final AtomicLong connects = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicReference<String> lastError = new AtomicReference<>("");

        Side(String label, String key, MqttClientConfig cfg, java.util.function.Consumer<io.baetyl.sdk.mqtt.MqttMessage> handler) {
            this.label = label;
            this.key = key;
            this.cfg = cfg;
            this.client = new HubClient(cfg, key, handler).onState(this);
        }

        @Override
        public void connected() {
            connects.incrementAndGet();
            log.info("{}: {} connected: address={} clientid={}", name, label, cfg.address, cfg.clientid);
            // What failed while this side was away goes out now; Paho resends its own in-flight packets itself.
            targetOf.resend();
        }

        @Override
        public void connectFailed(Throwable cause) {
            failures.incrementAndGet();
            String reason = client.describeConnectFailure(cause);
            // Auth and TLS problems do not heal by retrying: say loudly what to fix, once per distinct reason.
            String previous = lastError.getAndSet(reason);
            if (!reason.equals(previous) && fatalLooking(cause, reason)) {
                log.error("{}: {} refused the connection: address={} clientid={}: {} (check {})", name, label, cfg.address,
                        cfg.clientid, reason, hint(reason));
            }
        }

        @Override
        public void connectionLost(Throwable cause) {
            lastError.set(HubClient.describe(cause));
            sourceOf.sourceLost();
        }

        private boolean fatalLooking(Throwable cause, String reason) {
            if (cause instanceof MqttException me) {
                int code = me.getReasonCode();
                if (code == MqttException.REASON_CODE_FAILED_AUTHENTICATION || code == MqttException.REASON_CODE_NOT_AUTHORIZED
                        || code == MqttException.REASON_CODE_INVALID_CLIENT_ID) {
                    return true;
                }
            }
            return reason.startsWith("TLS ");
        }

        private String hint(String reason) {
            if (reason.contains("unknown CA")) {
                return key + ".ca";
            }
            if (reason.contains("client certificate")) {
                return key + ".cert and " + key + ".key";
            }
            if (reason.contains("does not match")) {
                return key + ".address";
            }
            if (reason.startsWith("TLS ")) {
                return key + ".ca, .cert and .key";
            }
            if (reason.contains("client id")) {
                return "the rule's clientid";
            }
            return key + ".username and " + key + ".password";
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
}
