package io.baetyl.function.manager;

import io.baetyl.sdk.config.ByteSize;
import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * service.yml of the function manager, with Baetyl 1.x's keys and defaults ({@code baetyl-function-manager/config.go}):
 * {@code hub} (the MQTT client every rule connects with), {@code server} (optional gRPC server), {@code rules} and
 * {@code functions}. A rule that names a function missing from {@code functions} is a startup error.
 */
public class ManagerConfig implements Validated {
    public MqttClientConfig hub = new MqttClientConfig();
    public Server server = new Server();
    public List<Rule> rules = new ArrayList<>();
    public List<FunctionSpec> functions = new ArrayList<>();
    public LoggerConfig logger = new LoggerConfig();

    /** The optional gRPC server that other modules (video-infer) call functions through. Empty address: none. */
    public static class Server {
        public String address = "";
        /** Accepted for compatibility; calls are bounded by each function's own timeout. */
        public Duration timeout = Duration.ofMinutes(2);
        public Message message = new Message();
        /** Max concurrent calls per connection; 0 = unlimited. */
        public Max concurrent = new Max(0);
        /** Threads running calls; 0 = CPU cores x 5, as the Python runtime. */
        public Max workers = new Max(0);
        public String ca = "";
        public String cert = "";
        public String key = "";
        /** Not in Baetyl 1.x: the passphrase of an encrypted {@link #key}. */
        public String passphrase = "";
    }

    public static class Rule {
        /** MQTT client id of this rule's connection; default {@code <hub.clientid or "function-manager">-rule-<n>}. */
        public String clientid = "";
        public Topic subscribe = new Topic();
        public FunctionRef function = new FunctionRef();
        public Topic publish = new Topic();
        public Retry retry = new Retry();
    }

    public static class Topic {
        public String topic = "";
        public int qos;
    }

    public static class FunctionRef {
        public String name = "";
    }

    public static class Retry {
        /** Total attempts (first call included). */
        public int max = 3;
    }

    public static class FunctionSpec {
        public String name = "";
        /** The (replica 0) service whose instances run this function. */
        public String service = "";
        public Instance instance = new Instance();
        public Message message = new Message();
        public Backoff backoff = new Backoff();
        /** Deadline of one call, and of an instance's start until it accepts calls. */
        public Duration timeout = Duration.ofSeconds(30);
    }

    public static class Instance {
        public int min = 0;
        public int max = 1;
        /** An idle instance older than this is stopped (never below min). */
        public Duration idletime = Duration.ofMinutes(10);
        /** How often idle instances are checked. */
        public Duration evicttime = Duration.ofMinutes(1);
    }

    public static class Message {
        public Length length = new Length();
    }

    public static class Length {
        public ByteSize max = ByteSize.parse("4m");
    }

    public static class Backoff {
        /** Longest wait between gRPC reconnect attempts to an instance. */
        public Duration max = Duration.ofMinutes(1);
    }

    public static class Max {
        public int max;

        public Max() {
        }

        public Max(int max) {
            this.max = max;
        }
    }

    /** Functions by name, in config order (valid after {@link #validate()}). */
    public Map<String, FunctionSpec> functionsByName() {
        Map<String, FunctionSpec> m = new LinkedHashMap<>();
        for (FunctionSpec f : functions) {
            m.put(f.name, f);
        }
        return m;
    }

    /** The client id of rule {@code i}: its own, or a stable default so that its QoS 1 session survives restarts. */
    public String clientIdOf(int i) {
        Rule r = rules.get(i);
        if (!r.clientid.isEmpty()) {
            return r.clientid;
        }
        return (hub.clientid.isEmpty() ? "function-manager" : hub.clientid) + "-rule-" + (i + 1);
    }

    @Override
    public void validate() {
        if (!rules.isEmpty()) {
            hub.validate("hub");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < functions.size(); i++) {
            FunctionSpec f = functions.get(i);
            String at = "functions[" + i + "]";
            if (f == null) {
                throw new IllegalArgumentException(at + ": empty entry");
            }
            if (f.name.isBlank()) {
                throw new IllegalArgumentException(at + ".name: is required");
            }
            if (!names.add(f.name)) {
                throw new IllegalArgumentException(at + ".name: duplicate function name '" + f.name + "'");
            }
            if (f.service.isBlank()) {
                throw new IllegalArgumentException(at + ".service: is required (the service that runs function '"
                        + f.name + "')");
            }
            range(at + ".instance.min", f.instance.min, 0, 100);
            range(at + ".instance.max", f.instance.max, 1, 100);
            if (f.instance.min > f.instance.max) {
                throw new IllegalArgumentException(at + ".instance.min: " + f.instance.min + " is more than instance.max "
                        + f.instance.max);
            }
            positive(at + ".instance.idletime", f.instance.idletime);
            positive(at + ".instance.evicttime", f.instance.evicttime);
            positive(at + ".timeout", f.timeout);
            positive(at + ".backoff.max", f.backoff.max);
            if (f.message.length.max.bytes() <= 0 || f.message.length.max.bytes() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(at + ".message.length.max: must be between 1 and 2g, got "
                        + f.message.length.max);
            }
        }
        Set<String> clientIds = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            String at = "rules[" + i + "]";
            if (r == null) {
                throw new IllegalArgumentException(at + ": empty entry");
            }
            if (r.subscribe.topic.isBlank()) {
                throw new IllegalArgumentException(at + ".subscribe.topic: is required");
            }
            range(at + ".subscribe.qos", r.subscribe.qos, 0, 1);
            if (r.publish.topic.isBlank()) {
                throw new IllegalArgumentException(at + ".publish.topic: is required");
            }
            if (r.publish.topic.contains("+") || r.publish.topic.contains("#")) {
                throw new IllegalArgumentException(at + ".publish.topic: wildcards are not allowed in '"
                        + r.publish.topic + "'");
            }
            range(at + ".publish.qos", r.publish.qos, 0, 1);
            if (r.retry.max < 0) {
                throw new IllegalArgumentException(at + ".retry.max: must be 0 or more, got " + r.retry.max);
            }
            if (r.function.name.isBlank()) {
                throw new IllegalArgumentException(at + ".function.name: is required");
            }
            if (!names.contains(r.function.name)) {
                throw new IllegalArgumentException(at + ".function.name: function (" + r.function.name
                        + ") not found in functions " + names);
            }
            String cid = clientIdOf(i);
            if (!clientIds.add(cid)) {
                // Two connections with one client id would take each other over at the hub, forever.
                throw new IllegalArgumentException(at + ".clientid: duplicate client id '" + cid + "'");
            }
        }
        if (server.cert.isEmpty() != server.key.isEmpty()) {
            throw new IllegalArgumentException("server: cert and key must be given together");
        }
        if (server.concurrent.max < 0 || server.workers.max < 0) {
            throw new IllegalArgumentException("server: concurrent.max and workers.max must be 0 or more");
        }
    }

    private static void range(String key, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + ": must be between " + min + " and " + max + ", got " + v);
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + ": must be a positive duration, got " + d);
        }
    }
}
