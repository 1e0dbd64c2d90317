package io.baetyl.master.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import java.time.Duration;

/** {@code etc/baetyl/conf.yml}: the master's own configuration, with Baetyl 1.x keys and defaults. */
public class MasterConfig implements Validated {
    public static final String DEFAULT_PATH = "etc/baetyl/conf.yml";

    /** native or docker. Baetyl's default is docker; our example sets native. */
    public String mode = "docker";
    /** How long a stopping instance gets between SIGTERM (or docker stop) and the kill. */
    public Duration grace = Duration.ofSeconds(30);
    /**
     * Not in Baetyl: the longest a start waits for a native service to settle (its CPU use to fall under a fifth of
     * a core) before it starts the next one; 0 starts them all at once, as Baetyl does.
     */
    @JsonProperty("start_settle")
    public Duration startSettle = Duration.ofSeconds(2);
    public ServerConfig server = new ServerConfig();
    public LoggerConfig logger = new LoggerConfig("var/log/baetyl/baetyl.log");
    public OtaLogConfig otalog = new OtaLogConfig();
    /** A file whose trimmed content becomes BAETYL_HOST_SN. */
    public String snfile = "";
    public DockerConfig docker = new DockerConfig();
    /** The web console and Prometheus metrics: off unless enabled (their code is not even loaded then). */
    public ConsoleConfig console = new ConsoleConfig();
    public MetricsConfig metrics = new MetricsConfig();

    /** {@code otalog:} where OTA steps are written as JSON lines. */
    public static class OtaLogConfig {
        public String path = "var/db/baetyl/ota.log";
        public String format = "json";
    }

    /** {@code docker:} engine client settings. */
    public static class DockerConfig {
        @JsonProperty("api_version")
        public String apiVersion = "1.38";
    }

    @Override
    public void validate() {
        if (!"native".equals(mode) && !"docker".equals(mode)) {
            throw new IllegalArgumentException("mode: must be native or docker, got '" + mode + "'");
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace: must not be negative, got '" + grace + "'");
        }
        if (startSettle.isNegative()) {
            throw new IllegalArgumentException("start_settle: must not be negative, got '" + startSettle + "'");
        }
        server.validate();
        logger.validate();
        console.validate();
        metrics.validate();
        if (console.enabled && metrics.enabled && console.address.equals(metrics.address)) {
            throw new IllegalArgumentException("metrics.address: must differ from console.address, both are '"
                    + metrics.address + "'");
        }
    }
}
