package io.baetyl.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import io.baetyl.sdk.tls.TlsFiles;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka client properties of the bridge, from {@code kafka:} in service.yml: bootstrap servers, TLS from PEM files,
 * SASL, and the producer settings the bridge's guarantees rest on (idempotence, acks=all, retrying until Kafka
 * answers) plus the tunable ones (compression, linger, batch size).
 */
final class KafkaSettings {
    private static final Set<String> MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
    /** Properties a user may not override: at-least-once without them is not at least once. */
    private static final Map<String, String> FIXED = Map.of(
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");

    private KafkaSettings() {
    }

    static void validate(RemoteKafkaConfig.Kafka k, boolean producing) {
        List<String> servers = servers(k);
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("kafka.bootstrap_servers: is required (host:port, e.g. 127.0.0.1:9092)");
        }
        for (String s : servers) {
            int colon = s.lastIndexOf(':');
            boolean ok = colon > 0 && colon < s.length() - 1;
            if (ok) {
                try {
                    int port = Integer.parseInt(s.substring(colon + 1));
                    ok = port > 0 && port < 65536;
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            if (!ok) {
                throw new IllegalArgumentException("kafka.bootstrap_servers: expected host:port, got '" + s + "'");
            }
        }
        String mech = k.sasl.mechanism == null ? "" : k.sasl.mechanism.trim().toUpperCase(Locale.ROOT);
        if (!mech.isEmpty() && !MECHANISMS.contains(mech)) {
            throw new IllegalArgumentException("kafka.sasl.mechanism: must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got '"
                    + k.sasl.mechanism + "'");
        }
        if (!mech.isEmpty() && k.sasl.username.isEmpty()) {
            throw new IllegalArgumentException("kafka.sasl.username: is required with a SASL mechanism");
        }
        if (k.cert.isEmpty() != k.key.isEmpty()) {
            throw new IllegalArgumentException("kafka: cert and key must be given together");
        }
        readable("kafka.ca", k.ca);
        readable("kafka.cert", k.cert);
        readable("kafka.key", k.key);
        if (!List.of("debug", "info", "warn", "error").contains(String.valueOf(k.log_level).toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("kafka.log_level: must be debug, info, warn or error, got '" + k.log_level + "'");
        }
        RemoteKafkaConfig.Producer p = k.producer;
        if (p.linger.isNegative()) {
            throw new IllegalArgumentException("kafka.producer.linger: must not be negative, got " + p.linger);
        }
        if (p.batch_size.bytes() < 0 || p.batch_size.bytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("kafka.producer.batch_size: must be 0..2g, got " + p.batch_size.bytes());
        }
        if (p.max_request_size.bytes() < 1024 || p.max_request_size.bytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("kafka.producer.max_request_size: must be 1k..2g, got " + p.max_request_size.bytes());
        }
        if (p.buffer_memory.bytes() < p.max_request_size.bytes()) {
            throw new IllegalArgumentException("kafka.producer.buffer_memory: must be at least max_request_size ("
                    + p.max_request_size.bytes() + "), got " + p.buffer_memory.bytes());
        }
        if (p.max_block.isNegative() || p.max_block.isZero()) {
            throw new IllegalArgumentException("kafka.producer.max_block: must be positive, got " + p.max_block);
        }
        if (p.request_timeout.toMillis() < 1000) {
            throw new IllegalArgumentException("kafka.producer.request_timeout: must be at least 1s, got " + p.request_timeout);
        }
        RemoteKafkaConfig.Consumer c = k.consumer;
        if (!List.of("latest", "earliest").contains(c.offset_reset)) {
            throw new IllegalArgumentException("kafka.consumer.offset_reset: must be latest or earliest, got '" + c.offset_reset + "'");
        }
        if (c.max_poll_records < 1 || c.max_poll_records > 1000) {
            // the hub client keeps at most 1000 QoS 1 publishes in flight
            throw new IllegalArgumentException("kafka.consumer.max_poll_records: must be 1..1000, got " + c.max_poll_records);
        }
        if (c.fetch_max.bytes() < 1024 || c.fetch_max.bytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("kafka.consumer.fetch_max: must be 1k..2g, got " + c.fetch_max.bytes());
        }
        for (Map.Entry<String, String> e : k.properties.entrySet()) {
            String name = e.getKey();
            if (!ProducerConfig.configNames().contains(name) && !ConsumerConfig.configNames().contains(name)
                    && !org.apache.kafka.clients.admin.AdminClientConfig.configNames().contains(name)) {
                throw new IllegalArgumentException("kafka.properties." + name + ": not a Kafka client property");
            }
            if (name.equals(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)) {
                maxInFlight(e.getValue());
            }
            String fixed = FIXED.get(name);
            if (fixed != null && !fixed.equalsIgnoreCase(String.valueOf(e.getValue()).trim())) {
                throw new IllegalArgumentException("kafka.properties." + e.getKey() + ": must stay " + fixed
                        + " (the bridge delivers at least once only with it), got '" + e.getValue() + "'");
            }
        }
    }

    /**
     * {@code max.in.flight.requests.per.connection} from {@code kafka.properties}: 1..5, the range in which the idempotent
     * producer keeps the order per partition (default 5; 1 makes records wait for the request before them, so requests
     * are fewer and larger).
     */
    private static int maxInFlight(Object value) {
        String v = String.valueOf(value).trim();
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 5) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("kafka.properties." + ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION
                + ": must be 1..5 (the idempotent producer keeps the order per partition only up to 5), got '" + v + "'");
    }

    private static void readable(String key, String file) {
        if (file != null && !file.isEmpty() && !Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException(key + ": cannot read '" + file + "'");
        }
    }

    /** {@code bootstrap_servers}, each entry possibly a comma-separated list. */
    static List<String> servers(RemoteKafkaConfig.Kafka k) {
        List<String> out = new ArrayList<>();
        for (String entry : k.bootstrap_servers) {
            if (entry == null) {
                continue;
            }
            for (String s : entry.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    /** What producer, consumer and admin share: servers, client id, TLS, SASL, then the user's extra properties. */
    static Properties common(RemoteKafkaConfig.Kafka k, String clientIdSuffix) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", servers(k)));
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, k.client_id + clientIdSuffix);
        boolean tls = k.tls || !k.ca.isEmpty() || !k.cert.isEmpty();
        String mech = k.sasl.mechanism == null ? "" : k.sasl.mechanism.trim().toUpperCase(Locale.ROOT);
        boolean sasl = !mech.isEmpty();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
                sasl ? (tls ? "SASL_SSL" : "SASL_PLAINTEXT") : (tls ? "SSL" : "PLAINTEXT"));
        if (tls) {
            if (!k.ca.isEmpty()) {
                p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
                p.put(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG, read(k.ca, "kafka.ca"));
            }
            if (!k.cert.isEmpty()) {
                p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM");
                p.put(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, read(k.cert, "kafka.cert"));
                // Kafka's PEM key store takes PKCS#8 only: the key is read in any format Baetyl's TLS files allow
                // (PKCS#1, PKCS#8, SEC 1 EC, encrypted with kafka.passphrase) and handed over as PKCS#8.
                TlsFiles.KeyPair pair = new TlsFiles("kafka", null, k.cert, k.key, k.passphrase).keyPair();
                p.put(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, pkcs8Pem(pair.key()));
            }
            if (k.insecure) {
                p.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "");
            }
        }
        if (sasl) {
            p.put(SaslConfigs.SASL_MECHANISM, mech);
            String module = mech.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + jaasQuote(k.sasl.username)
                    + "\" password=\"" + jaasQuote(k.sasl.password) + "\";");
        }
        // Reconnect quickly after an outage, but not in a tight loop.
        p.put(CommonClientConfigs.RECONNECT_BACKOFF_MS_CONFIG, "200");
        p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
        k.properties.forEach((key, value) -> p.put(key, String.valueOf(value)));
        return p;
    }

    static Properties producer(RemoteKafkaConfig.Kafka k) {
        Properties p = common(k, "-producer");
        RemoteKafkaConfig.Producer c = k.producer;
        Properties out = new Properties();
        out.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        out.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        out.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, c.compression.name().toLowerCase(Locale.ROOT));
        out.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(c.linger.toMillis()));
        out.put(ProducerConfig.BATCH_SIZE_CONFIG, Long.toString(c.batch_size.bytes()));
        out.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(c.buffer_memory.bytes()));
        out.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(c.max_request_size.bytes()));
        out.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(c.max_block.toMillis()));
        out.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(c.request_timeout.toMillis()));
        out.putAll(only(p, ProducerConfig.configNames())); // the user's properties may tune everything above
        // What at least once, in order per partition, rests on: the user cannot change these.
        out.put(ProducerConfig.ACKS_CONFIG, "all");
        out.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        Object inFlight = k.properties.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        out.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, Integer.toString(inFlight == null ? 5 : maxInFlight(inFlight)));
        out.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
        // A record stays with the producer until Kafka takes it: an outage only delays it (the hub holds the rest).
        out.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE));
        return out;
    }

    static Properties consumer(RemoteKafkaConfig.Kafka k, String group, int index) {
        Properties p = common(k, "-inbound-" + index);
        RemoteKafkaConfig.Consumer c = k.consumer;
        Properties out = new Properties();
        out.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        out.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        out.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, c.offset_reset);
        out.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(c.max_poll_records));
        out.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Long.toString(c.fetch_max.bytes()));
        out.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Long.toString(Math.min(c.fetch_max.bytes(), 1 << 20)));
        out.putAll(only(p, ConsumerConfig.configNames()));
        out.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        out.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // offsets are committed once the hub has the messages
        return out;
    }

    static Properties admin(RemoteKafkaConfig.Kafka k) {
        return only(common(k, "-admin"), org.apache.kafka.clients.admin.AdminClientConfig.configNames());
    }

    /** The properties a client knows (others would make it warn at start); SASL/SSL keys are known to each. */
    private static Properties only(Properties p, Set<String> names) {
        Properties out = new Properties();
        for (String name : p.stringPropertyNames()) {
            if (names.contains(name)) {
                out.put(name, p.getProperty(name));
            }
        }
        return out;
    }

    static String pkcs8Pem(java.security.PrivateKey key) {
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()); // a JDK private key encodes as PKCS#8
        return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
    }

    private static String read(String file, String key) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": cannot read '" + file + "': " + e.getMessage(), e);
        }
    }

    private static String jaasQuote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
