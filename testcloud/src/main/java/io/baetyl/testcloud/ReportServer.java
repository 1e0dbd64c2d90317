package io.baetyl.testcloud;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud's HTTPS side (one-way TLS, server certificate of gen-certs.sh):
 * <ul>
 *   <li>{@code POST /v3/edge/info}: a device report. The device is found by {@code x-iot-edge-clientid} in
 *       {@code devices/<id>/client.pem}, its serial must equal {@code x-iot-edge-sn}; the AES key is recovered from
 *       {@code x-iot-edge-key} with the certificate's public key and the body decrypted (AES-256-CBC, zero IV). The
 *       JSON is stored as {@code reports/<id>/latest.json} and {@code reports/<id>/<n>.json} (the last
 *       {@link #KEEP_REPORTS} are kept); each OTA trace's records as {@code reports/<id>/ota/<trace>.json}.</li>
 *   <li>{@code GET /volumes/<file>}: a volume zip from {@code volumes/}.</li>
 * </ul>
 */
final class ReportServer implements AutoCloseable {
    static final int KEEP_REPORTS = 50;
    static final int MAX_BODY = 16 << 20;
    private static final Pattern SAFE_NAME = Pattern.compile("^[A-Za-z0-9._-]{1,200}$");
    private static final Logger log = LoggerFactory.getLogger(ReportServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final HttpsServer server;
    private final ExecutorService executor;
    private final Map<String, Long> counters = new LinkedHashMap<>();

    ReportServer(Path dir, int port, SSLContext tls) throws IOException {
        this.dir = dir;
        this.server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        this.server.setHttpsConfigurator(new HttpsConfigurator(tls));
        this.executor = Executors.newFixedThreadPool(4);
        this.server.setExecutor(executor);
        this.server.createContext("/v3/edge/info", this::report);
        this.server.createContext("/volumes/", this::volume);
        Files.createDirectories(dir.resolve("volumes"));
        Files.createDirectories(dir.resolve("reports"));
    }

    ReportServer start() {
        server.start();
        return this;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void report(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                send(ex, 405, "POST only");
                return;
            }
            String id = ex.getRequestHeaders().getFirst("x-iot-edge-clientid");
            String sn = ex.getRequestHeaders().getFirst("x-iot-edge-sn");
            String key = ex.getRequestHeaders().getFirst("x-iot-edge-key");
            if (id == null || sn == null || key == null || !SAFE_NAME.matcher(id).matches()) {
                send(ex, 400, "missing x-iot-edge-clientid, x-iot-edge-sn or x-iot-edge-key");
                return;
            }
            Path certFile = dir.resolve("devices").resolve(id).resolve("client.pem");
            if (!Files.exists(certFile)) {
                send(ex, 401, "unknown device " + id);
                return;
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            if (body.length > MAX_BODY) {
                send(ex, 413, "report larger than " + MAX_BODY + " bytes");
                return;
            }
            String json;
            try {
                X509Certificate cert = Pem.certificate(certFile);
                if (!cert.getSerialNumber().toString().equals(sn)) {
                    send(ex, 401, "x-iot-edge-sn " + sn + " is not the serial of device " + id);
                    return;
                }
                json = decrypt(body, key, cert);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                log.warn("report of {} cannot be decrypted: {}", id, e.toString());
                send(ex, 400, "cannot decrypt the report: " + e.getMessage());
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = JSON.readValue(json, Map.class);
            store(id, doc);
            send(ex, 200, "{}");
        }
    }

    /** The cloud's half of the wire format (written apart from the agent's on purpose). */
    static String decrypt(byte[] base64Body, String base64Key, X509Certificate cert) throws GeneralSecurityException {
        Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        rsa.init(Cipher.DECRYPT_MODE, cert.getPublicKey()); // undoes the private-key "encryption" (block type 1)
        byte[] aesKey = rsa.doFinal(Base64.getDecoder().decode(base64Key));
        if (aesKey.length != 32) {
            throw new GeneralSecurityException("AES key is " + aesKey.length + " bytes, expected 32");
        }
        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new IvParameterSpec(new byte[16]));
        byte[] cipherText = Base64.getDecoder().decode(new String(base64Body, StandardCharsets.US_ASCII).trim());
        return new String(aes.doFinal(cipherText), StandardCharsets.UTF_8);
    }

    private synchronized void store(String id, Map<String, Object> doc) throws IOException {
        Path reports = dir.resolve("reports").resolve(id);
        Files.createDirectories(reports.resolve("ota"));
        long n = counters.merge(id, 1L, Long::sum);
        byte[] pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
        writeWhole(reports.resolve(n + ".json"), pretty);
        writeWhole(reports.resolve("latest.json"), pretty);
        Files.deleteIfExists(reports.resolve((n - KEEP_REPORTS) + ".json"));
        if (doc.get("ota") instanceof Map<?, ?> ota) {
            for (Map.Entry<?, ?> e : ota.entrySet()) {
                String trace = String.valueOf(e.getKey());
                if (SAFE_NAME.matcher(trace).matches()) {
                    writeWhole(reports.resolve("ota").resolve(trace + ".json"),
                            JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(e.getValue()));
                    log.info("device {}: OTA {} now {}", id, trace, steps(e.getValue()));
                }
            }
        }
        log.debug("device {}: report {} stored ({} bytes)", id, n, pretty.length);
    }

    /** Readers (tests, the `reports` command) poll these files: they must never see one half written. */
    private static void writeWhole(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> steps(Object records) {
        List<String> out = new ArrayList<>();
        if (records instanceof List<?> l) {
            for (Object r : l) {
                if (r instanceof Map<?, ?> m) {
                    out.add(String.valueOf(m.get("step")));
                }
            }
        }
        return out;
    }

    private void volume(HttpExchange ex) throws IOException {
        try (ex) {
            String name = ex.getRequestURI().getPath().substring("/volumes/".length());
            Path file = dir.resolve("volumes").resolve(name);
            if (!"GET".equals(ex.getRequestMethod()) || !SAFE_NAME.matcher(name).matches() || !Files.isRegularFile(file)) {
                send(ex, 404, "no such volume");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/zip");
            ex.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(file, out);
            }
        }
    }

    private static void send(HttpExchange ex, int status, String text) throws IOException {
        byte[] b = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** Stored reports of a device, oldest first (at most the last {@link #KEEP_REPORTS}). */
    static List<Map<String, Object>> reports(Path dir, String id) throws IOException {
        Path reports = dir.resolve("reports").resolve(id);
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isDirectory(reports)) {
            return out;
        }
        List<Long> numbers = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(reports, "[0-9]*.json")) {
            for (Path p : ds) {
                numbers.add(Long.parseLong(p.getFileName().toString().replace(".json", "")));
            }
        }
        numbers.sort(null);
        for (long n : numbers) {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = JSON.readValue(reports.resolve(n + ".json").toFile(), Map.class);
                out.add(m);
            } catch (IOException e) {
                // rotated away meanwhile
            }
        }
        return out;
    }

    /** The last records the device reported for an OTA trace; empty when none. */
    static List<Map<String, Object>> ota(Path dir, String id, String trace) throws IOException {
        Path f = dir.resolve("reports").resolve(id).resolve("ota").resolve(trace + ".json");
        if (!Files.exists(f)) {
            return List.of();
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> l = JSON.readValue(f.toFile(), List.class);
        return l;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
