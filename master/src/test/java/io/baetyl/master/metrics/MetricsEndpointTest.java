package io.baetyl.master.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How each module's report becomes metrics, as the client's text writer prints them. */
class MetricsEndpointTest {
    static String text(Families f) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, f.build());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void hubFunctionAndBridgeReportsGetConventionalNamesAndLabels() throws Exception {
        Families f = new Families();
        ReportedMetrics.collect("localhub", Map.of("name", "localhub", "status", "running", "exit_code", 3,
                "broker_stats", Map.of("connections", 4, "messages_in_qos1", 7, "messages_refused_qos1", 2,
                        "bytes_out", 1000, "persisted_sequence", 99)), f);
        ReportedMetrics.collect("function-manager", Map.of("name", "function-manager",
                "functions", Map.of("sayhi", Map.of("calls", 4, "errors", 1, "latency_avg_ms", 2.5,
                        "latency_max_ms", 7.0, "idle", 1, "busy", 0, "starting", 0, "waiting", 0))), f);
        ReportedMetrics.collect("remote-mqtt", Map.of("name", "remote-mqtt", "remote_stats", Map.of("rules", List.of(
                Map.of("rule", 0, "hub_to_remote", Map.of("forwarded", 9, "pending", 1),
                        "remote", Map.of("address", "cloud", "connected", true, "connects", 2))))), f);
        ReportedMetrics.collect("timer", Map.of("name", "timer", "ticks", Map.of("sent", 5), "label", "x"), f);
        String t = text(f);
        assertThat(t).contains("baetyl_hub_connections{instance=\"localhub\",service=\"localhub\"} 4.0")
                .contains("baetyl_hub_messages_received_total{instance=\"localhub\",qos=\"1\",service=\"localhub\"} 7.0")
                .contains("baetyl_hub_messages_refused_total{instance=\"localhub\",qos=\"1\",service=\"localhub\"} 2.0")
                .contains("# TYPE baetyl_hub_sent_bytes_total counter")
                .contains("baetyl_function_calls_total{function=\"sayhi\",instance=\"function-manager\",service=\"function-manager\"} 4.0")
                .contains("baetyl_function_call_duration_seconds_count{function=\"sayhi\",instance=\"function-manager\",service=\"function-manager\"} 4")
                .contains("baetyl_function_call_duration_seconds_sum{function=\"sayhi\",instance=\"function-manager\",service=\"function-manager\"} 0.01")
                .contains("baetyl_bridge_messages_forwarded_total{direction=\"hub_to_remote\",instance=\"remote-mqtt\",remote=\"cloud\",rule=\"0\",service=\"remote-mqtt\"} 9.0")
                .contains("baetyl_bridge_connected{instance=\"remote-mqtt\",remote=\"cloud\",rule=\"0\",service=\"remote-mqtt\",side=\"remote\"} 1.0")
                .contains("baetyl_instance_reported{instance=\"timer\",key=\"ticks.sent\",service=\"timer\"} 5.0");
        assertThat(t).doesNotContain("exit_code").doesNotContain("persisted_sequence").doesNotContain("label");
    }

    @Test
    void strangeReportsAreBoundedAndCannotBreakTheScrape() throws Exception {
        Families f = new Families();
        Map<String, Object> many = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            many.put("k" + i, i);
        }
        ReportedMetrics.collect("svc", Map.of("name", "svc", "lots", many,
                "broker_stats", Map.of("connections", "not a number")), f);
        String t = text(f);
        assertThat(t.lines().filter(l -> l.startsWith("baetyl_instance_reported{")).count())
                .isEqualTo(ReportedMetrics.MAX_OTHER);
        assertThat(t).doesNotContain("baetyl_hub_connections");
    }
}
