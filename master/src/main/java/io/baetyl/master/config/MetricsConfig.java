package io.baetyl.master.config;

/**
 * {@code metrics:} in conf.yml: Prometheus metrics of the master and of what its services report, on
 * {@code GET /metrics}. Off by default; when on, it listens on the loopback address unless told otherwise.
 */
public class MetricsConfig {
    public boolean enabled;
    public String address = "tcp://127.0.0.1:9889";

    void validate() {
        WebAddress.parse("metrics.address", address);
    }
}
