package io.baetyl.hub.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.baetyl.hub.topic.Topics;
import io.baetyl.sdk.config.ByteSize;
import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** The hub's {@code service.yml}; keys and defaults are those of baetyl-hub 1.x. */
public class HubConfig implements Validated {
    /** Largest remaining length MQTT can express. */
    public static final long MAX_MESSAGE_LENGTH = 268_435_455L;

    public List<String> listen = new ArrayList<>();
    public Certificate certificate = new Certificate();
    public List<Principal> principals = new ArrayList<>();
    public List<Subscription> subscriptions = new ArrayList<>();
    public Message message = new Message();
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

    public static class Message {
        public Length length = new Length();
        public Ingress ingress = new Ingress();
        public Egress egress = new Egress();
        public Offset offset = new Offset();
        /** Not in baetyl-hub: the retained messages' budget. */
        public Bounds retained = new Bounds();
    }

    /**
     * Not in baetyl-hub: a budget in bytes ({@code size.max}) and in messages ({@code count.max}). Unset values are
     * derived from the heap or the disk when the hub starts (see {@link Limits}).
     */
    public static class Bounds {
        public SizeMax size = new SizeMax();
        public CountMax count = new CountMax();
    }

    public static class SizeMax {
        public ByteSize max;
    }

    public static class CountMax {
        public Long max;
    }

    public static class Length {
        public ByteSize max = ByteSize.ofBytes(32 * 1024);
    }

    public static class Buffer {
        public int size;

        public Buffer() {
        }

        public Buffer(int size) {
            this.size = size;
        }
    }

    public static class Batch {
        public int max;

        public Batch() {
        }

        public Batch(int max) {
            this.max = max;
        }
    }

    public static class Ingress {
        public Qos0 qos0 = new Qos0(10000);
        public IngressQos1 qos1 = new IngressQos1();
        /** New: QoS 1 and 2 publishes an MQTT 5 client may have unacknowledged (told as Receive Maximum). */
        public Inflight inflight = new Inflight();
    }

    public static class Inflight {
        public int max = 1024;
    }

    public static class Qos0 {
        public Buffer buffer;

        public Qos0() {
            this(10000);
        }

        public Qos0(int size) {
            buffer = new Buffer(size);
        }
    }

    public static class IngressQos1 {
        public Buffer buffer = new Buffer(100);
        public Batch batch = new Batch(50);
        public Cleanup cleanup = new Cleanup();
        /** Not in baetyl-hub: the newest logged messages kept on the heap for the sessions reading the log. */
        public Bounds cache = new Bounds();
    }

    public static class Cleanup {
        public Duration retention = Duration.ofHours(48);
        public Duration interval = Duration.ofMinutes(1);
    }

    public static class Egress {
        public EgressQos0 qos0 = new EgressQos0();
        public EgressQos1 qos1 = new EgressQos1();
    }

    /** {@code buffer.size} counts the messages queued for one session; the byte budgets are not in baetyl-hub. */
    public static class EgressQos0 extends Qos0 {
        /** Bytes queued for one session ({@code session.size.max}). */
        public SizeOnly session = new SizeOnly();
        /** Bytes queued for all sessions together ({@code total.size.max}). */
        public SizeOnly total = new SizeOnly();
    }

    public static class SizeOnly {
        public SizeMax size = new SizeMax();
    }

    public static class EgressQos1 {
        public Buffer buffer = new Buffer(100);
        public Batch batch = new Batch(50);
        public Retry retry = new Retry();
    }

    public static class Retry {
        public Duration interval = Duration.ofSeconds(20);
    }

    public static class Offset {
        public Buffer buffer = new Buffer(10000);
        public Batch batch = new Batch(100);
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
        validatePrincipals(principals);
        validateSubscriptions(subscriptions);
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

    /** Same checks and messages as the original's {@code principalsValidate}, prefixed with the key. */
    public static void validatePrincipals(List<Principal> principals) {
        Set<String> users = new HashSet<>();
        for (Principal p : principals) {
            if (!users.add(p.username)) {
                throw new IllegalArgumentException("principals: username (" + p.username + ") duplicate");
            }
        }
        for (Principal p : principals) {
            for (Permission perm : p.permissions) {
                if (!"pub".equals(perm.action) && !"sub".equals(perm.action)) {
                    throw new IllegalArgumentException("principals: action (" + perm.action + ") must be pub or sub");
                }
                for (String permit : perm.permits) {
                    if (!Topics.isValidFilter(permit) && !Topics.isSysFilter(permit)) {
                        throw new IllegalArgumentException("principals: " + perm.action + " topic(" + permit + ") invalid");
                    }
                }
            }
        }
    }

    /** Same checks and messages as the original's {@code subscriptionsValidate}, prefixed with the key. */
    public static void validateSubscriptions(List<Subscription> subs) {
        for (Subscription s : subs) {
            if (!Topics.isValidFilter(s.source.topic) || s.source.qos < 0 || s.source.qos > 1) {
                throw new IllegalArgumentException("subscriptions: [" + s.source + "] source topic invalid");
            }
            if (!Topics.isValidPublishTopic(s.target.topic) || s.target.qos < 0 || s.target.qos > 1) {
                throw new IllegalArgumentException("subscriptions: [" + s.target + "] target topic invalid");
            }
        }
        Set<List<String>> pairs = new HashSet<>();
        for (Subscription s : subs) {
            if (!pairs.add(List.of(s.source.topic, s.target.topic))) {
                throw new IllegalArgumentException("subscriptions: duplicate source and target config");
            }
        }
        if (hasCycle(subs)) {
            throw new IllegalArgumentException("subscriptions: found cycle in source and target config");
        }
    }

    /**
     * Routes form a graph topic → target; a wildcard source stands for every target topic it matches (a route's
     * output is the only thing that can feed another route in a loop).
     */
    static boolean hasCycle(List<Subscription> subs) {
        Map<String, Set<String>> edges = new HashMap<>();
        Set<String> targets = new LinkedHashSet<>();
        for (Subscription s : subs) {
            targets.add(s.target.topic);
        }
        for (Subscription s : subs) {
            if (Topics.containsWildcard(s.source.topic)) {
                for (String t : targets) {
                    if (Topics.matches(s.source.topic, t)) {
                        edges.computeIfAbsent(t, k -> new LinkedHashSet<>()).add(s.target.topic);
                    }
                }
            } else {
                edges.computeIfAbsent(s.source.topic, k -> new LinkedHashSet<>()).add(s.target.topic);
            }
        }
        Map<String, Integer> state = new HashMap<>(); // 1 = on the current path, 2 = done
        for (String v : edges.keySet()) {
            if (dfs(v, edges, state)) {
                return true;
            }
        }
        return false;
    }

    private static boolean dfs(String v, Map<String, Set<String>> edges, Map<String, Integer> state) {
        Integer st = state.get(v);
        if (st != null) {
            return st == 1;
        }
        state.put(v, 1);
        for (String w : edges.getOrDefault(v, Set.of())) {
            if (dfs(w, edges, state)) {
                return true;
            }
        }
        state.put(v, 2);
        return false;
    }

    /** A parsed {@code listen} entry. */
    public record Listener(String url, String scheme, String host, int port, String path, boolean proxyProtocol) {
        public Listener(String url, String scheme, String host, int port, String path) {
            this(url, scheme, host, port, path, false);
        }

        public boolean tls() {
            return scheme.equals("ssl") || scheme.equals("wss");
        }

        public boolean websocket() {
            return scheme.equals("ws") || scheme.equals("wss");
        }

        public static Listener parse(String url) {
            Objects.requireNonNull(url, "listen entry");
            int sep = url.indexOf("://");
            if (sep < 0) {
                throw new IllegalArgumentException("listen: invalid address " + url + " (want tcp://, ssl://, ws:// or wss://host:port)");
            }
            String scheme = url.substring(0, sep).toLowerCase();
            if (scheme.equals("tls")) {
                scheme = "ssl";
            }
            if (!Set.of("tcp", "ssl", "ws", "wss").contains(scheme)) {
                throw new IllegalArgumentException("listen: unsupported scheme " + scheme + " in " + url);
            }
            String rest = url.substring(sep + 3);
            // new: listener options as a query, e.g. tcp://0.0.0.0:1883?proxy_protocol=true (HAProxy in front)
            boolean proxy = false;
            int q = rest.indexOf('?');
            if (q >= 0) {
                for (String opt : rest.substring(q + 1).split("&")) {
                    if (opt.equals("proxy_protocol=true")) {
                        proxy = true;
                    } else if (!opt.equals("proxy_protocol=false") && !opt.isEmpty()) {
                        throw new IllegalArgumentException("listen: unknown option " + opt + " in " + url
                                + " (known: proxy_protocol=true|false)");
                    }
                }
                rest = rest.substring(0, q);
            }
            int slash = rest.indexOf('/');
            String hostPort = slash < 0 ? rest : rest.substring(0, slash);
            String path = slash < 0 ? "/" : rest.substring(slash);
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("listen: missing port in " + url);
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                host = "0.0.0.0";
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("listen: invalid port in " + url);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("listen: invalid port in " + url);
            }
            return new Listener(url, scheme, host, port, path, proxy);
        }
    }
}
