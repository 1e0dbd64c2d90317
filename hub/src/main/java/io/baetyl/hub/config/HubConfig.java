package io.baetyl.hub.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.baetyl.hub.config.MessageConfig.CountMax;
import io.baetyl.hub.config.MessageConfig.SizeMax;
import io.baetyl.sdk.config.ByteSize;
import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The hub's {@code service.yml}; keys and defaults are those of baetyl-hub 1.x. */
public class HubConfig implements Validated {
    /** Largest remaining length MQTT can express. */
    public static final long MAX_MESSAGE_LENGTH = 268_435_455L;

    public List<String> listen = new ArrayList<>();
    public Certificate certificate = new Certificate();
    public List<Principal> principals = new ArrayList<>();
    public List<Subscription> subscriptions = new ArrayList<>();
    public MessageConfig message = new MessageConfig();
    public Storage storage = new Storage();
    public Connect connect = new Connect();
    public Shutdown shutdown = new Shutdown();
    public Metrics metrics = new Metrics();
    public Sys sys = new Sys();
    /** New: EMQX-compatible ExHook servers (see {@link io.baetyl.hub.exhook.ExHookConfig}). */
    public io.baetyl.hub.exhook.ExHookConfig exhook = new io.baetyl.hub.exhook.ExHookConfig();
    public LoggerConfig logger = new LoggerConfig();
    // Keys every Baetyl service.yml may carry; accepted so they do not warn.
    public String id;
    public String name;
    public Object hub;

    public static class Certificate {
        public String ca;
        public String cert;
        public String key;
        /** Not in baetyl-hub: the passphrase of an encrypted {@link #key} (BEGIN ENCRYPTED PRIVATE KEY). */
        public String passphrase;
        /** Go's {@code insecure} flag on the shared certificate type; unused by the hub server side. */
        public boolean insecure;

        public boolean isSet() {
            return cert != null && !cert.isBlank() && key != null && !key.isBlank();
        }
    }

    public static class Principal {
        public String username;
        public String password;
        public List<Permission> permissions = new ArrayList<>();
    }

    public static class Permission {
        public String action;
        @JsonProperty("permit")
        public List<String> permits = new ArrayList<>();
    }

    public static class Subscription {
        public Endpoint source = new Endpoint();
        public Endpoint target = new Endpoint();
    }

    public static class Endpoint {
        public String topic = "";
        public int qos;

        public Endpoint() {
        }

        public Endpoint(String topic, int qos) {
            this.topic = topic;
            this.qos = qos;
        }

        @Override
        public String toString() {
            // the original's error messages print the endpoint as Go's %+v
            return "{Topic:" + topic + " QOS:" + qos + "}";
        }
    }

    public static class Storage {
        public String dir = "var/db/baetyl/data";
        /**
         * Not in baetyl-hub. false (default): an acknowledged QoS 1 message survives a crash of the hub process, as in
         * the original. true: also a power loss, with one disk flush per batch of publishes (slower, disk-bound).
         */
        public boolean fsync;
        /** Not in baetyl-hub: the QoS 1 log's cap on disk ({@code size.max}) and in messages ({@code count.max}). */
        public SizeMax size = new SizeMax();
        public CountMax count = new CountMax();
    }

    /** Not in baetyl-hub: a connection must send CONNECT within {@code timeout} of being accepted. */
    public static class Connect {
        public Duration timeout = Duration.ofSeconds(10);
        /** New: the longest keep-alive an MQTT 5 client gets (Server Keep Alive); 0 (default) leaves the client's. */
        public KeepAlive keepalive = new KeepAlive();
    }

    public static class KeepAlive {
        public Duration max = Duration.ZERO;
    }

    public static class Shutdown {
        public Duration timeout = Duration.ofMinutes(10);
    }

    public static class Metrics {
        public Report report = new Report();
    }

    /** {@code sys:} the broker's {@code $SYS/broker/...} topics, published every {@code interval}; 0 turns them off. */
    public static class Sys {
        public Duration interval = Duration.ofSeconds(10);
    }

    public static class Report {
        public Duration interval = Duration.ofMinutes(1);
    }

    @Override
    public void validate() {
        if (listen == null) {
            listen = new ArrayList<>();
        }
        Set<String> seen = new HashSet<>();
        for (String l : listen) {
            Listener parsed = Listener.parse(l); // throws with the key on bad URLs
            if (!seen.add(parsed.host() + ":" + parsed.port())) {
                throw new IllegalArgumentException("listen: duplicate address " + l);
            }
            if (parsed.tls() && !certificate.isSet()) {
                throw new IllegalArgumentException("certificate: cert and key are required for " + l);
            }
        }
        long max = message.length.max.bytes();
        if (max < 1 || max > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("message.length.max: must be between 1 and " + MAX_MESSAGE_LENGTH + ", got " + max);
        }
        min("message.ingress.qos0.buffer.size", message.ingress.qos0.buffer.size, 1, Integer.MAX_VALUE);
        min("message.ingress.qos1.buffer.size", message.ingress.qos1.buffer.size, 1, Integer.MAX_VALUE);
        min("message.ingress.qos1.batch.max", message.ingress.qos1.batch.max, 1, Integer.MAX_VALUE);
        min("message.ingress.inflight.max", message.ingress.inflight.max, 1, 65535);
        min("message.egress.qos0.buffer.size", message.egress.qos0.buffer.size, 1, Integer.MAX_VALUE);
        min("message.egress.qos1.buffer.size", message.egress.qos1.buffer.size, 1, 65535);
        min("message.egress.qos1.batch.max", message.egress.qos1.batch.max, 1, 10000);
        min("message.offset.buffer.size", message.offset.buffer.size, 1, Integer.MAX_VALUE);
        min("message.offset.batch.max", message.offset.batch.max, 1, Integer.MAX_VALUE);
        positive("message.egress.qos1.retry.interval", message.egress.qos1.retry.interval);
        positive("message.ingress.qos1.cleanup.retention", message.ingress.qos1.cleanup.retention);
        positive("message.ingress.qos1.cleanup.interval", message.ingress.qos1.cleanup.interval);
        positive("metrics.report.interval", metrics.report.interval);
        if (sys.interval == null || sys.interval.isNegative()) {
            throw new IllegalArgumentException("sys.interval: must not be negative (0 turns $SYS off), got " + sys.interval);
        }
        positive("shutdown.timeout", shutdown.timeout);
        positive("connect.timeout", connect.timeout);
        if (connect.keepalive == null || connect.keepalive.max == null || connect.keepalive.max.isNegative()
                || connect.keepalive.max.toSeconds() > 65535) {
            throw new IllegalArgumentException("connect.keepalive.max: must be between 0s (off) and 65535s, got "
                    + (connect.keepalive == null ? null : connect.keepalive.max));
        }
        atLeast("storage.size.max", storage.size.max, 64 * 1024);
        atLeast("storage.count.max", storage.count.max, 1);
        atLeast("message.retained.size.max", message.retained.size.max, 0);
        atLeast("message.retained.count.max", message.retained.count.max, 0);
        atLeast("message.ingress.qos1.cache.size.max", message.ingress.qos1.cache.size.max, 0);
        atLeast("message.ingress.qos1.cache.count.max", message.ingress.qos1.cache.count.max, 0);
        atLeast("message.egress.qos0.session.size.max", message.egress.qos0.session.size.max, 1);
        atLeast("message.egress.qos0.total.size.max", message.egress.qos0.total.size.max, 1);
        if (storage.dir == null || storage.dir.isBlank()) {
            throw new IllegalArgumentException("storage.dir: must not be empty");
        }
        PrincipalAndRouteChecks.validatePrincipals(principals);
        PrincipalAndRouteChecks.validateSubscriptions(subscriptions);
        if (exhook == null) {
            exhook = new io.baetyl.hub.exhook.ExHookConfig();
        }
        exhook.validate();
        if (listen.isEmpty()) {
            // baetyl-hub started and served nobody; an empty file or a misspelled `listen:` is a mistake to report
            throw new IllegalArgumentException("listen: no listener, the hub would accept no client (add for example "
                    + "listen: [tcp://0.0.0.0:1883])");
        }
    }

    private static void min(String key, int v, int lo, int hi) {
        if (v < lo) {
            throw new IllegalArgumentException(key + ": less than min (" + lo + "), got " + v);
        }
        if (v > hi) {
            throw new IllegalArgumentException(key + ": greater than max (" + hi + "), got " + v);
        }
    }

    private static void atLeast(String key, ByteSize v, long lo) {
        if (v != null && v.bytes() < lo) {
            throw new IllegalArgumentException(key + ": less than min (" + lo + " bytes), got " + v.bytes());
        }
    }

    private static void atLeast(String key, Long v, long lo) {
        if (v != null && v < lo) {
            throw new IllegalArgumentException(key + ": less than min (" + lo + "), got " + v);
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + ": must be positive, got " + d);
        }
    }
}
