package io.baetyl.hub.exhook;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.baetyl.sdk.config.GoDuration;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code exhook:} in the hub's service.yml. Keys and defaults are EMQX 5's {@code exhook.servers[]} where they mean
 * the same: {@code name}, {@code url}, {@code enable}, {@code request_timeout} (5s), {@code failed_action}
 * ({@code deny}|{@code ignore}, default deny), {@code auto_reconnect} (60s, or false), {@code pool_size} (8) and
 * {@code ssl} (enable, cacertfile, certfile, keyfile, server_name_indication).
 */
public class ExHookConfig {
    public List<Server> servers = new ArrayList<>();
    /**
     * Not an EMQX key: how many valued hook calls ({@code message.publish}, {@code client.authorize}) of one client may
     * be under way at once. 1 (default) is EMQX's behaviour: a server sees one call at a time per client. More lets
     * one client publish faster through a hook; the results are still applied in publish order, but the server may
     * then process a client's calls concurrently (a server that forwards in arrival order, such as a Kafka producer,
     * may reorder them). 1 to 64.
     */
    public int pipeline = 1;

    public static class Server {
        public String name;
        public String url;
        public boolean enable = true;
        @JsonProperty("request_timeout")
        public String requestTimeout = "5s";
        @JsonProperty("failed_action")
        public String failedAction = "deny";
        /** A duration, or {@code false}: never reconnect after a failure. */
        @JsonProperty("auto_reconnect")
        public String autoReconnect = "60s";
        @JsonProperty("pool_size")
        public int poolSize = 8;
        public Ssl ssl = new Ssl();

        public Duration timeout() {
            return GoDuration.parse(requestTimeout);
        }

        /** Null when {@code auto_reconnect: false}. */
        public Duration reconnect() {
            return "false".equalsIgnoreCase(autoReconnect) ? null : GoDuration.parse(autoReconnect);
        }

        public boolean deny() {
            return "deny".equals(failedAction);
        }

        public URI uri() {
            return URI.create(url);
        }

        public boolean tls() {
            return ssl.enable || url.startsWith("https://");
        }
    }

    public static class Ssl {
        public boolean enable;
        public String cacertfile;
        public String certfile;
        public String keyfile;
        public String passphrase;
        @JsonProperty("server_name_indication")
        public String serverNameIndication;
    }

    /** Enabled servers, in configured order. */
    public List<Server> enabled() {
        return servers == null ? List.of() : servers.stream().filter(s -> s.enable).toList();
    }

    public void validate() {
        if (servers == null) {
            servers = new ArrayList<>();
        }
        if (pipeline < 1 || pipeline > 64) {
            throw new IllegalArgumentException("exhook.pipeline: want 1 to 64, got " + pipeline);
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < servers.size(); i++) {
            Server s = servers.get(i);
            String key = "exhook.servers[" + i + "]";
            if (s.name == null || s.name.isBlank()) {
                throw new IllegalArgumentException(key + ".name: required");
            }
            if (!names.add(s.name)) {
                throw new IllegalArgumentException(key + ".name: duplicate name " + s.name);
            }
            if (s.url == null || !(s.url.startsWith("http://") || s.url.startsWith("https://"))) {
                throw new IllegalArgumentException(key + ".url: want http://host:port or https://host:port, got " + s.url);
            }
            URI u;
            try {
                u = s.uri();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ".url: invalid (" + e.getMessage() + ")");
            }
            if (u.getHost() == null || u.getPort() <= 0) {
                throw new IllegalArgumentException(key + ".url: host and port required, got " + s.url);
            }
            Duration t;
            try {
                t = s.timeout();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(key + ".request_timeout: invalid duration " + s.requestTimeout);
            }
            if (t.isZero() || t.isNegative()) {
                throw new IllegalArgumentException(key + ".request_timeout: must be positive, got " + s.requestTimeout);
            }
            if (!"deny".equals(s.failedAction) && !"ignore".equals(s.failedAction)) {
                throw new IllegalArgumentException(key + ".failed_action: want deny or ignore, got " + s.failedAction);
            }
            try {
                Duration r = s.reconnect();
                if (r != null && (r.isZero() || r.isNegative())) {
                    throw new IllegalArgumentException();
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(key + ".auto_reconnect: want a positive duration or false, got "
                        + s.autoReconnect);
            }
            if (s.poolSize < 1 || s.poolSize > 1024) {
                throw new IllegalArgumentException(key + ".pool_size: must be between 1 and 1024, got " + s.poolSize);
            }
            if (s.ssl == null) {
                s.ssl = new Ssl();
            }
        }
    }
}
