package io.baetyl.master.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HTTP to the master's console and /metrics as a browser script would, keeping the session cookie and the CSRF
 * token; and the Prometheus Python client's parser for /metrics.
 */
final class WebClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    String cookie;
    String csrf;

    WebClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    record Answer(int status, String body, HttpResponse<String> raw) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() throws IOException {
            return JSON.readValue(body, Map.class);
        }
    }

    Answer get(String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return send(b.GET().build());
    }

    Answer post(String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType);
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        return send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Logs in; on success keeps the cookie and the CSRF token. */
    Answer login(String username, String password) throws Exception {
        Answer a = post("/api/login", "application/json",
                JSON.writeValueAsString(Map.of("username", username, "password", password)));
        if (a.status() == 200) {
            String setCookie = a.raw().headers().firstValue("Set-Cookie").orElseThrow();
            cookie = setCookie.substring(0, setCookie.indexOf(';'));
            csrf = (String) a.json().get("csrf");
        }
        return a;
    }

    private Answer send(HttpRequest req) throws Exception {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(r.statusCode(), r.body(), r);
    }

    /** /metrics as parsed by the Prometheus client's own parser: family name to family. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> parseMetrics(String text) throws Exception {
        Path script = Path.of(WebClient.class.getResource("/metrics/parse_metrics.py").toURI());
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString()).start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("the Prometheus parser refused /metrics: " + err);
        }
        Map<String, Map<String, Object>> byName = new java.util.LinkedHashMap<>();
        for (Map<String, Object> f : (List<Map<String, Object>>) JSON.readValue(out, List.class)) {
            byName.put((String) f.get("name"), f);
        }
        return byName;
    }

    /** The value of the sample {@code sample} whose labels include {@code labels}; NaN when there is none. */
    @SuppressWarnings("unchecked")
    static double sample(Map<String, Map<String, Object>> families, String family, String sample,
                         Map<String, String> labels) {
        Map<String, Object> f = families.get(family);
        if (f == null) {
            return Double.NaN;
        }
        for (Map<String, Object> s : (List<Map<String, Object>>) f.get("samples")) {
            Map<String, String> l = (Map<String, String>) s.get("labels");
            if (s.get("name").equals(sample) && l.entrySet().containsAll(labels.entrySet())) {
                return ((Number) s.get("value")).doubleValue();
            }
        }
        return Double.NaN;
    }
}
