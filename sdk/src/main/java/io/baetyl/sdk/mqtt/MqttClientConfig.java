package io.baetyl.sdk.mqtt;

import io.baetyl.sdk.config.Validated;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An MQTT client's settings, as in the {@code hub:} block of every Baetyl service.yml and in remote-mqtt's
 * {@code remotes[]}: address tcp/ssl/ws/wss, credentials, TLS files, client id, session, timeouts and
 * subscriptions. Defaults are Baetyl 1.x's.
 */
public class MqttClientConfig implements Validated {
    public String address = "";
    public String username = "";
    public String password = "";
    /**
     * PEM files: CA to trust, client certificate and its key (two-way TLS). The key may be PKCS#1, PKCS#8 or SEC 1 EC,
     * or encrypted with {@link #passphrase} (see {@link io.baetyl.sdk.tls.PemFiles}).
     */
    public String ca = "";
    public String cert = "";
    public String key = "";
    /** Not in Baetyl 1.x: the passphrase of an encrypted {@link #key}. */
    public String passphrase = "";
    /** Skip server certificate verification (test setups only). */
    public boolean insecure;
    public String clientid = "";
    public boolean cleansession;
    /** Connect and subscribe timeout. */
    public Duration timeout = Duration.ofSeconds(30);
    /** Longest wait between reconnect attempts (they start at 500ms and double). */
    public Duration interval = Duration.ofMinutes(1);
    /** 0 or negative: no keep-alive pings. */
    public Duration keepalive = Duration.ofMinutes(10);
    /** Outgoing messages kept while disconnected or in flight. */
    public int buffersize = 10;
    /** Fail when the broker refuses a subscription (SUBACK 0x80). */
    public boolean validatesubs;
    public List<Subscription> subscriptions = new ArrayList<>();

    /** One subscription: topic filter and QoS (0 or 1). */
    public static class Subscription {
        public String topic = "";
        public int qos;

        public Subscription() {
        }

        public Subscription(String topic, int qos) {
            this.topic = topic;
            this.qos = qos;
        }
    }

    /** A copy with another client id and subscriptions, as the Go SDK's NewHubClient(clientid, subs) makes. */
    public MqttClientConfig with(String clientId, List<Subscription> subs) {
        MqttClientConfig c = new MqttClientConfig();
        c.address = address;
        c.username = username;
        c.password = password;
        c.ca = ca;
        c.cert = cert;
        c.key = key;
        c.passphrase = passphrase;
        c.insecure = insecure;
        c.clientid = clientId == null || clientId.isEmpty() ? clientid : clientId;
        c.cleansession = cleansession;
        c.timeout = timeout;
        c.interval = interval;
        c.keepalive = keepalive;
        c.buffersize = buffersize;
        c.validatesubs = validatesubs;
        c.subscriptions = subs == null ? subscriptions : new ArrayList<>(subs);
        return c;
    }

    /** The scheme of {@link #address}: tcp, ssl, ws or wss. */
    public String scheme() {
        return URI.create(address).getScheme();
    }

    @Override
    public void validate() {
        validate("hub");
    }

    /** Validates with error messages under {@code prefix} (e.g. "hub" or "remotes[0]"). */
    public void validate(String prefix) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException(prefix + ".address: is required (tcp://, ssl://, ws:// or wss://)");
        }
        String scheme;
        try {
            scheme = scheme();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + ".address: invalid address '" + address + "'");
        }
        if (scheme == null || !List.of("tcp", "ssl", "ws", "wss").contains(scheme)) {
            throw new IllegalArgumentException(prefix + ".address: scheme must be tcp, ssl, ws or wss, got '" + address + "'");
        }
        if (buffersize < 1) {
            throw new IllegalArgumentException(prefix + ".buffersize: must be at least 1, got " + buffersize);
        }
        if (cert.isEmpty() != key.isEmpty()) {
            throw new IllegalArgumentException(prefix + ": cert and key must be given together");
        }
        for (int i = 0; i < subscriptions.size(); i++) {
            Subscription s = subscriptions.get(i);
            if (s.qos < 0 || s.qos > 1) {
                throw new IllegalArgumentException(prefix + ".subscriptions[" + i + "].qos: must be 0 or 1, got " + s.qos);
            }
            if (s.topic == null || s.topic.isEmpty()) {
                throw new IllegalArgumentException(prefix + ".subscriptions[" + i + "].topic: is required");
            }
        }
    }
}
