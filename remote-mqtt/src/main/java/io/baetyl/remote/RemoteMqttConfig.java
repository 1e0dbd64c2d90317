package io.baetyl.remote;

import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** remote-mqtt's {@code service.yml}; keys and defaults are those of baetyl-remote-mqtt 1.x, plus {@code report}. */
public class RemoteMqttConfig implements Validated {
    /** The local hub. Its {@code clientid} and {@code subscriptions} are not used: each rule brings its own. */
    public MqttClientConfig hub = new MqttClientConfig();
    public List<Remote> remotes = new ArrayList<>();
    public List<Rule> rules = new ArrayList<>();
    public Report report = new Report();
    public LoggerConfig logger = new LoggerConfig();
    // Keys every Baetyl service.yml may carry; accepted so they do not warn.
    public String id;
    public String name;

    /** A remote broker: a name plus every MQTT client field. */
    public static class Remote extends MqttClientConfig {
        public String name = "";
    }

    public static class Rule {
        public HubSide hub = new HubSide();
        public RemoteSide remote = new RemoteSide();
    }

    public static class HubSide {
        public String clientid = "";
        public List<MqttClientConfig.Subscription> subscriptions = new ArrayList<>();
    }

    public static class RemoteSide {
        public String name = "";
        public String clientid = "";
        public List<MqttClientConfig.Subscription> subscriptions = new ArrayList<>();
    }

    public static class Report {
        /** How often the per-rule counters go to the master. */
        public Duration interval = Duration.ofSeconds(20);
    }

    /** The remote a rule names, or null. */
    public Remote remote(String name) {
        for (Remote r : remotes) {
            if (r.name.equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** The client id of a rule on its remote: rules[].remote.clientid > remotes[].clientid > rules[].remote.name. */
    public String remoteClientId(Rule rule) {
        if (!rule.remote.clientid.isEmpty()) {
            return rule.remote.clientid;
        }
        Remote r = remote(rule.remote.name);
        if (r != null && !r.clientid.isEmpty()) {
            return r.clientid;
        }
        return rule.remote.name;
    }

    /** The client id of a rule on the hub: rules[].hub.clientid > the rule's remote client id. */
    public String hubClientId(Rule rule) {
        return rule.hub.clientid.isEmpty() ? remoteClientId(rule) : rule.hub.clientid;
    }

    /** The rule's hub client: {@code hub} with the rule's client id and hub subscriptions. */
    public MqttClientConfig hubClient(Rule rule) {
        return hub.with(hubClientId(rule), rule.hub.subscriptions);
    }

    /** The rule's remote client: its remote with the rule's client id and remote subscriptions. */
    public MqttClientConfig remoteClient(Rule rule) {
        return remote(rule.remote.name).with(remoteClientId(rule), rule.remote.subscriptions);
    }

    @Override
    public void validate() {
        hub.validate("hub");
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < remotes.size(); i++) {
            Remote r = remotes.get(i);
            String key = "remotes[" + i + "]";
            if (r.name == null || r.name.isEmpty()) {
                throw new IllegalArgumentException(key + ".name: is required");
            }
            Integer before = names.putIfAbsent(r.name, i);
            if (before != null) {
                throw new IllegalArgumentException(key + ".name: '" + r.name + "' is already the name of remotes[" + before + "]");
            }
            r.validate(key);
        }
        if (report.interval == null || report.interval.isNegative() || report.interval.isZero()) {
            throw new IllegalArgumentException("report.interval: must be positive, got " + report.interval);
        }
        // Two rules with one client id on the same broker would take each other's connection over, forever.
        Map<String, String> hubIds = new LinkedHashMap<>();
        Map<String, String> remoteIds = new LinkedHashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            String key = "rules[" + i + "]";
            if (rule.remote.name == null || rule.remote.name.isEmpty()) {
                throw new IllegalArgumentException(key + ".remote.name: is required");
            }
            if (remote(rule.remote.name) == null) {
                throw new IllegalArgumentException(key + ".remote.name: remote '" + rule.remote.name + "' not found (remotes: "
                        + String.join(", ", names.keySet()) + ")");
            }
            subscriptions(key + ".hub.subscriptions", rule.hub.subscriptions);
            subscriptions(key + ".remote.subscriptions", rule.remote.subscriptions);
            String hubId = hubClientId(rule);
            String other = hubIds.putIfAbsent(hubId, key);
            if (other != null) {
                throw new IllegalArgumentException(key + ".hub.clientid: the hub client id '" + hubId + "' is also used by "
                        + other + "; give each rule its own");
            }
            String remoteId = rule.remote.name + "\u0000" + remoteClientId(rule);
            other = remoteIds.putIfAbsent(remoteId, key);
            if (other != null) {
                throw new IllegalArgumentException(key + ".remote.clientid: the client id '" + remoteClientId(rule)
                        + "' on remote '" + rule.remote.name + "' is also used by " + other + "; give each rule its own");
            }
        }
    }

    private static void subscriptions(String key, List<MqttClientConfig.Subscription> subs) {
        for (int i = 0; i < subs.size(); i++) {
            MqttClientConfig.Subscription s = subs.get(i);
            if (s.topic == null || s.topic.isEmpty()) {
                throw new IllegalArgumentException(key + "[" + i + "].topic: is required");
            }
            if (s.qos < 0 || s.qos > 1) {
                throw new IllegalArgumentException(key + "[" + i + "].qos: must be 0 or 1, got " + s.qos);
            }
        }
    }
}
