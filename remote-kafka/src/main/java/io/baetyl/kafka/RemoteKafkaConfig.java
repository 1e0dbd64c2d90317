package io.baetyl.kafka;

import io.baetyl.sdk.config.ByteSize;
import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * remote-kafka's {@code service.yml}: the local hub (the {@code hub:} block every module has), the Kafka cluster,
 * {@code rules} (hub topic filters to a Kafka topic) and {@code inbound} (Kafka topics to a hub topic).
 */
public class RemoteKafkaConfig implements Validated {
    /** The local hub. Its {@code clientid} and {@code subscriptions} are not used: each rule brings its own. */
    public MqttClientConfig hub = new MqttClientConfig();
    public Kafka kafka = new Kafka();
    /** Hub to Kafka. */
    public List<Rule> rules = new ArrayList<>();
    /** Kafka to hub. */
    public List<Inbound> inbound = new ArrayList<>();
    public Report report = new Report();
    public LoggerConfig logger = new LoggerConfig();
    // Keys every Baetyl service.yml may carry; accepted so they do not warn.
    public String id;
    public String name;

    /** The cluster and how to reach it. */
    public static class Kafka {
        /** {@code host:port[,host:port...]}. */
        public List<String> bootstrap_servers = new ArrayList<>();
        /** Kafka's client.id (in broker logs and quotas). */
        public String client_id = "baetyl-remote-kafka";
        public Sasl sasl = new Sasl();
        /** PEM file of the CA that signed the brokers' certificates; setting it (or {@code tls}) turns TLS on. */
        public String ca = "";
        /** PEM client certificate and key (PKCS#1, PKCS#8, SEC 1 EC or encrypted), for brokers that require them. */
        public String cert = "";
        public String key = "";
        /** The passphrase of an encrypted {@link #key}. */
        public String passphrase = "";
        /** TLS with the JVM's trusted CAs when no {@code ca} is given. */
        public boolean tls;
        /** Skip the check that the broker's certificate names its host (test setups only). */
        public boolean insecure;
        public Producer producer = new Producer();
        public Consumer consumer = new Consumer();
        /**
         * Further Kafka client properties passed as they are (for example {@code reconnect.backoff.max.ms}). They
         * cannot turn off what the bridge's guarantees rest on: {@code acks}, {@code enable.idempotence},
         * {@code enable.auto.commit}.
         */
        public Map<String, String> properties = new LinkedHashMap<>();
        /**
         * Level of the Kafka client's own log lines (debug, info, warn, error). At info it logs every reconnect
         * attempt and a page of settings per client; what the bridge itself says follows {@code logger.level}.
         */
        public String log_level = "warn";
    }

    public static class Sasl {
        /** PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty: no SASL. */
        public String mechanism = "";
        public String username = "";
        public String password = "";
    }

    public enum Compression { NONE, GZIP, SNAPPY, LZ4, ZSTD }

    /** The idempotent producer shared by every rule (acks=all is fixed). */
    public static class Producer {
        public Compression compression = Compression.NONE;
        /** How long a batch may wait for more records (Kafka's linger.ms). */
        public Duration linger = Duration.ofMillis(5);
        /** Bytes per partition batch (batch.size). */
        public ByteSize batch_size = ByteSize.ofBytes(64 << 10);
        /** Memory for records not yet acknowledged by Kafka (buffer.memory). */
        public ByteSize buffer_memory = ByteSize.ofBytes(16 << 20);
        /** Largest request, and so the largest record (max.request.size); larger messages are dropped and counted. */
        public ByteSize max_request_size = ByteSize.ofBytes(1 << 20);
        /** How long a send may wait for topic metadata or buffer space (max.block.ms) before it is retried. */
        public Duration max_block = Duration.ofSeconds(5);
        /** One request's timeout (request.timeout.ms); the producer itself retries until Kafka answers. */
        public Duration request_timeout = Duration.ofSeconds(30);
    }

    public static class Consumer {
        /** Where a group without committed offsets starts: latest or earliest. */
        public String offset_reset = "latest";
        /** Records per poll (max.poll.records): the most the bridge publishes to the hub before committing. */
        public int max_poll_records = 500;
        /** Bytes per fetch (fetch.max.bytes). */
        public ByteSize fetch_max = ByteSize.ofBytes(4 << 20);
    }

    public enum Value { RAW, ENVELOPE }

    public enum Partitioning { KEY, ROUND_ROBIN }

    /** Hub topic filters to one Kafka topic. */
    public static class Rule {
        public HubSide hub = new HubSide();
        public KafkaSide kafka = new KafkaSide();
        /** Messages received from the hub but not yet handed to the producer: count and bytes. */
        public Buffer buffer = new Buffer();
    }

    public static class HubSide {
        /** The rule's persistent session on the hub; default {@code remote-kafka-<index>}. */
        public String clientid = "";
        /** Hub topic filters, QoS 0, 1 or 2 (2 is subscribed as 1: the hub grants at most QoS 1). */
        public List<MqttClientConfig.Subscription> subscriptions = new ArrayList<>();
        /**
         * The topic level (1 = first) that holds the publisher's client id, e.g. 2 for {@code devices/<id>/data}.
         * MQTT 3.1.1 does not tell a subscriber who published, so {@code ${clientid}} comes from here. 0: unknown.
         */
        public int clientid_level;
    }

    public static class KafkaSide {
        /** Kafka topic: fixed, or a template with {@code ${topic}} (the MQTT topic, '/' replaced by separator). */
        public String topic = "${topic}";
        /** What '/' becomes in {@code ${topic}} of the Kafka topic. */
        public String separator = ".";
        /** Record key template: ${clientid}, ${topic}, ${qos}, ${payload.a.b} (a JSON field); empty: no key. */
        public String key = "";
        public Value value = Value.RAW;
        public Partitioning partitioning = Partitioning.KEY;
    }

    public static class Buffer {
        public int count = 1000;
        public ByteSize size = ByteSize.ofBytes(8 << 20);
    }

    /** Kafka topics to the hub. */
    public static class Inbound {
        public InKafka kafka = new InKafka();
        public InHub hub = new InHub();
    }

    public static class InKafka {
        public List<String> topics = new ArrayList<>();
        /** Consumer group; default {@code baetyl-remote-kafka-inbound-<index>}. */
        public String group = "";
    }

    public static class InHub {
        /** Hub topic: fixed, or a template with {@code ${topic}} (the Kafka topic, separator replaced by '/'). */
        public String topic = "${topic}";
        /** What becomes '/' in {@code ${topic}}; empty: nothing. */
        public String separator = "";
        public int qos = 1;
        /** The client id publishing into the hub; default {@code remote-kafka-inbound-<index>}. */
        public String clientid = "";
        /** Records with a larger value are dropped and counted (the hub closes a connection over its message.length.max). */
        public ByteSize message_max = ByteSize.ofBytes(32 << 10);
    }

    public static class Report {
        /** How often the counters go to the master. */
        public Duration interval = Duration.ofSeconds(20);
    }

    /** The hub client id of rule {@code i}. */
    public String ruleClientId(int i) {
        String id = rules.get(i).hub.clientid;
        return id == null || id.isEmpty() ? "remote-kafka-" + i : id;
    }

    /** The hub client id of inbound {@code i}. */
    public String inboundClientId(int i) {
        String id = inbound.get(i).hub.clientid;
        return id == null || id.isEmpty() ? "remote-kafka-inbound-" + i : id;
    }

    /** The consumer group of inbound {@code i}. */
    public String inboundGroup(int i) {
        String g = inbound.get(i).kafka.group;
        return g == null || g.isEmpty() ? "baetyl-remote-kafka-inbound-" + i : g;
    }

    /** Rule {@code i}'s hub client: {@code hub} with the rule's client id and subscriptions (QoS 2 asked as 1). */
    public MqttClientConfig ruleHubClient(int i) {
        List<MqttClientConfig.Subscription> subs = new ArrayList<>();
        for (MqttClientConfig.Subscription s : rules.get(i).hub.subscriptions) {
            subs.add(new MqttClientConfig.Subscription(s.topic, Math.min(1, s.qos)));
        }
        return hub.with(ruleClientId(i), subs);
    }

    /** Inbound {@code i}'s hub client: publish only. */
    public MqttClientConfig inboundHubClient(int i) {
        return hub.with(inboundClientId(i), List.of());
    }

    @Override
    public void validate() {
        hub.validate("hub");
        KafkaSettings.validate(kafka, !rules.isEmpty());
        if (report.interval == null || report.interval.isNegative() || report.interval.isZero()) {
            throw new IllegalArgumentException("report.interval: must be positive, got " + report.interval);
        }
        Map<String, String> ids = new LinkedHashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            String key = "rules[" + i + "]";
            Rule r = rules.get(i);
            if (r.hub.subscriptions.isEmpty()) {
                throw new IllegalArgumentException(key + ".hub.subscriptions: at least one topic filter is required");
            }
            for (int j = 0; j < r.hub.subscriptions.size(); j++) {
                MqttClientConfig.Subscription s = r.hub.subscriptions.get(j);
                String sk = key + ".hub.subscriptions[" + j + "]";
                if (s.topic == null || s.topic.isEmpty()) {
                    throw new IllegalArgumentException(sk + ".topic: is required");
                }
                if (s.qos < 0 || s.qos > 2) {
                    throw new IllegalArgumentException(sk + ".qos: must be 0, 1 or 2, got " + s.qos);
                }
            }
            if (r.hub.clientid_level < 0 || r.hub.clientid_level > 9) {
                throw new IllegalArgumentException(key + ".hub.clientid_level: must be 0 (unknown) or a topic level 1..9, got "
                        + r.hub.clientid_level);
            }
            RecordMapper.validate(key, r);
            if (r.buffer.count < 1) {
                throw new IllegalArgumentException(key + ".buffer.count: must be at least 1, got " + r.buffer.count);
            }
            if (r.buffer.size.bytes() < 1024) {
                throw new IllegalArgumentException(key + ".buffer.size: must be at least 1k, got " + r.buffer.size.bytes());
            }
            unique(ids, ruleClientId(i), key + ".hub.clientid");
        }
        for (int i = 0; i < inbound.size(); i++) {
            String key = "inbound[" + i + "]";
            Inbound in = inbound.get(i);
            if (in.kafka.topics.isEmpty()) {
                throw new IllegalArgumentException(key + ".kafka.topics: at least one Kafka topic is required");
            }
            for (int j = 0; j < in.kafka.topics.size(); j++) {
                String t = in.kafka.topics.get(j);
                if (!KafkaTopics.isLegal(t)) {
                    throw new IllegalArgumentException(key + ".kafka.topics[" + j + "]: not a Kafka topic name: '" + t
                            + "' (1-249 characters of a-z A-Z 0-9 . _ -)");
                }
            }
            if (in.hub.qos < 0 || in.hub.qos > 1) {
                throw new IllegalArgumentException(key + ".hub.qos: must be 0 or 1, got " + in.hub.qos);
            }
            if (in.hub.topic == null || in.hub.topic.isEmpty()) {
                throw new IllegalArgumentException(key + ".hub.topic: is required");
            }
            String unknown = Template.unknownPlaceholder(in.hub.topic, List.of("topic"));
            if (unknown != null) {
                throw new IllegalArgumentException(key + ".hub.topic: unknown placeholder ${" + unknown + "} (only ${topic})");
            }
            if (in.hub.topic.contains("+") || in.hub.topic.contains("#")) {
                throw new IllegalArgumentException(key + ".hub.topic: no wildcards in a topic to publish to, got '"
                        + in.hub.topic + "'");
            }
            if (in.hub.message_max.bytes() < 1) {
                throw new IllegalArgumentException(key + ".hub.message_max: must be positive");
            }
            unique(ids, inboundClientId(i), key + ".hub.clientid");
        }
    }

    // Two clients with one id on the hub would take each other's connection over, forever.
    private static void unique(Map<String, String> ids, String id, String key) {
        String other = ids.putIfAbsent(id, key);
        if (other != null) {
            throw new IllegalArgumentException(key + ": the hub client id '" + id + "' is also used by " + other
                    + "; give each its own");
        }
    }
}
