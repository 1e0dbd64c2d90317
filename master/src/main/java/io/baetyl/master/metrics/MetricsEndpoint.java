package io.baetyl.master.metrics;

import io.baetyl.master.config.MetricsConfig;
import io.baetyl.master.config.WebAddress;
import io.baetyl.master.inspect.HostStats;
import io.baetyl.master.runtime.Operations;
import io.baetyl.master.runtime.Operations.ServiceView;
import io.baetyl.master.web.WebRequest;
import io.baetyl.master.web.WebResponse;
import io.baetyl.master.web.WebServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} on conf.yml's {@code metrics.address}: the master's state, the host, and what every service
 * reports, collected at scrape time and written by the Prometheus client's text format writer.
 */
public final class MetricsEndpoint implements MultiCollector {
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final Operations ops;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    MetricsEndpoint(Operations ops) {
        this.ops = ops;
        registry.register(this);
    }

    /** Starts serving; the returned handle stops it. */
    public static AutoCloseable start(Operations ops, WebServer.Shared shared) throws IOException {
        MetricsConfig cfg = ops.config().metrics;
        MetricsEndpoint endpoint = new MetricsEndpoint(ops);
        return new WebServer("metrics", "metrics.address", WebAddress.parse("metrics.address", cfg.address), 1024,
                endpoint::handle, shared).start(null, null);
    }

    WebResponse handle(WebRequest req) throws IOException {
        if (!req.path().equals("/metrics")) {
            return WebResponse.text(404, "not found: the metrics are at /metrics");
        }
        if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
            return WebResponse.text(405, "method not allowed").with("Allow", "GET, HEAD");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        writer.write(out, scrape());
        return WebResponse.of(200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray());
    }

    /** One scrape at a time: each reads /proc for the host and every instance. */
    synchronized MetricSnapshots scrape() {
        return registry.scrape();
    }

    @Override
    public MetricSnapshots collect() {
        Families f = new Families();
        List<ServiceView> services = ops.services();
        Map<String, Object> hardware;
        try {
            hardware = HostStats.collect(ops.workDir());
        } catch (RuntimeException e) {
            log.warn("host figures unavailable for /metrics: {}", e.toString());
            hardware = null;
        }
        MasterMetrics.collect(ops, services, hardware, f);
        for (ServiceView s : services) {
            for (Map<String, Object> instance : s.stats()) {
                try {
                    ReportedMetrics.collect(s.name(), instance, f);
                } catch (RuntimeException e) { // a strange report must not break the whole scrape
                    log.warn("report of service {} left out of /metrics: {}", s.name(), e.toString());
                }
            }
        }
        return f.build();
    }
}
