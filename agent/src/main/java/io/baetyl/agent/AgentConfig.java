package io.baetyl.agent;

import io.baetyl.sdk.config.ByteSize;
import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's {@code service.yml}; keys and defaults are those of baetyl-agent 1.x ({@code remote.mqtt},
 * {@code remote.http}, {@code remote.report}, {@code remote.desire}, {@code ota}), plus the limits of
 * {@code ota.limit} that bound what one OTA may download and unpack.
 */
public class AgentConfig implements Validated {
    /** Baidu's MQTT endpoints imply their HTTPS endpoint (the original's only inference). */
    static final String BJ_HOST = "bj.baidubce.com";
    static final String GZ_HOST = "gz.baidubce.com";

    public Remote remote = new Remote();
    public Ota ota = new Ota();
    public LoggerConfig logger = new LoggerConfig();
    // Keys every Baetyl service.yml may carry; accepted so they do not warn.
    public MqttClientConfig hub;
    public String id;
    public String name;

    public static class Remote {
        public RemoteMqtt mqtt = new RemoteMqtt();
        public Http http = new Http();
        public Report report = new Report();
        public Desire desire = new Desire();
    }

    /** The cloud's MQTT endpoint: the common client keys, plus {@code buffer.size} as the docs spell buffersize. */
    public static class RemoteMqtt extends MqttClientConfig {
        public Buffer buffer = new Buffer();
    }

    public static class Buffer {
        /** 0: not set, {@code buffersize} applies. */
        public int size;
    }

    /** The cloud's HTTPS endpoint: reports go to {@code address + report.url}; volumes are fetched from their URL. */
    public static class Http {
        public String address = "";
        public String ca = "";
        public String cert = "";
        public String key = "";
        /** Not in Baetyl 1.x: the passphrase of an encrypted {@link #key}. */
        public String passphrase = "";
        /** One whole request, body included (Go's http.Client.Timeout). */
        public Duration timeout = Duration.ofMinutes(5);
    }

    public static class Report {
        public String url = "/v3/edge/info";
        /** Kept for compatibility: the original built it but reported over HTTPS only. */
        public String topic = "$baidu/iot/edge/%s/core/forward";
        public Duration interval = Duration.ofSeconds(20);
    }

    public static class Desire {
        public String topic = "$baidu/iot/edge/%s/core/backward";
    }

    public static class Ota {
        public Duration timeout = Duration.ofMinutes(5);
        /** The OTA log the master writes, as the agent sees it through its {@code agent-volumes} mount. */
        public LoggerConfig logger = new LoggerConfig("var/db/baetyl/volumes/ota.log");
        public Limit limit = new Limit();

        public Ota() {
            logger.format = "json";
        }
    }

    /** What one volume may take: its zip, and its unpacked content, each at most {@code size}; at most {@code files} entries. */
    public static class Limit {
        public ByteSize size = ByteSize.parse("1g");
        public int files = 100_000;
    }

    @Override
    public void validate() {
        RemoteMqtt m = remote.mqtt;
        if (m.address == null || m.address.isBlank()) {
            throw new IllegalArgumentException("remote.mqtt.address: is required (the cloud's ssl:// endpoint)");
        }
        if (m.buffer.size < 0) {
            throw new IllegalArgumentException("remote.mqtt.buffer.size: must not be negative, got " + m.buffer.size);
        }
        if (m.buffer.size > 0) {
            m.buffersize = m.buffer.size;
        }
        m.validate("remote.mqtt");
        String scheme = m.scheme();
        if (!"ssl".equals(scheme) && !"wss".equals(scheme)) {
            throw new IllegalArgumentException("remote.mqtt.address: the cloud must be reached over TLS (ssl:// or wss://), got '"
                    + m.address + "'");
        }
        if (m.clientid.isEmpty()) {
            throw new IllegalArgumentException("remote.mqtt.clientid: is required (the device's id in the cloud)");
        }
        if (m.cert.isEmpty()) {
            throw new IllegalArgumentException("remote.mqtt.cert: is required (the agent authenticates with its client certificate)");
        }
        if (m.ca.isEmpty() && !m.insecure) {
            throw new IllegalArgumentException("remote.mqtt.ca: is required (the CA of the cloud's MQTT endpoint)");
        }
        if (remote.http.ca.isEmpty()) {
            throw new IllegalArgumentException("remote.http.ca: remote http ca missing, must enable ssl");
        }
        if (remote.http.address.isEmpty()) {
            remote.http.address = inferHttpAddress(m.address);
        }
        URI http;
        try {
            http = URI.create(remote.http.address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("remote.http.address: invalid address '" + remote.http.address + "'");
        }
        if (!"https".equals(http.getScheme()) || http.getHost() == null) {
            throw new IllegalArgumentException("remote.http.address: must be https://host[:port], got '" + remote.http.address + "'");
        }
        if (remote.http.cert.isEmpty() != remote.http.key.isEmpty()) {
            throw new IllegalArgumentException("remote.http: cert and key must be given together");
        }
        positive(remote.http.timeout, "remote.http.timeout");
        positive(remote.report.interval, "remote.report.interval");
        positive(ota.timeout, "ota.timeout");
        if (!remote.report.url.startsWith("/")) {
            throw new IllegalArgumentException("remote.report.url: must be a path starting with '/', got '" + remote.report.url + "'");
        }
        if (ota.logger.path == null || ota.logger.path.isEmpty()) {
            throw new IllegalArgumentException("ota.logger.path: is required");
        }
        if (ota.limit.size.bytes() < 1) {
            throw new IllegalArgumentException("ota.limit.size: must be positive");
        }
        if (ota.limit.files < 1) {
            throw new IllegalArgumentException("ota.limit.files: must be positive, got " + ota.limit.files);
        }
        // Templates are filled once with the client id, as the original's defaults() did.
        remote.desire.topic = fill(remote.desire.topic, m.clientid);
        remote.report.topic = fill(remote.report.topic, m.clientid);
        List<MqttClientConfig.Subscription> subs = new ArrayList<>(m.subscriptions);
        if (subs.stream().noneMatch(s -> s.topic.equals(remote.desire.topic))) {
            subs.add(new MqttClientConfig.Subscription(remote.desire.topic, 1));
        }
        m.subscriptions = subs;
    }

    private static String fill(String template, String clientId) {
        return template.contains("%s") ? template.replace("%s", clientId) : template;
    }

    private static void positive(Duration d, String key) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + ": must be positive, got " + d);
        }
    }

    /** The HTTPS endpoint of a Baidu MQTT endpoint; any other cloud must set remote.http.address. */
    static String inferHttpAddress(String mqttAddress) {
        if (mqttAddress.contains(BJ_HOST)) {
            return "https://iotedge." + BJ_HOST;
        }
        if (mqttAddress.contains(GZ_HOST)) {
            return "https://iotedge." + GZ_HOST;
        }
        throw new IllegalArgumentException("remote.http.address: remote http address missing (it is inferred only for "
                + "Baidu's *.bj.baidubce.com and *.gz.baidubce.com endpoints; set it for any other cloud)");
    }
}
