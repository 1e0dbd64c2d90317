package io.baetyl.agent;

import io.netty.handler.ssl.JdkSslContext;
import io.baetyl.sdk.tls.TlsFiles;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * The agent's HTTPS client for the cloud: reports ({@code POST address + path}) and volume downloads (any HTTPS
 * URL). Only servers whose certificate chains to {@code remote.http.ca} are trusted, and their host name must match
 * (one-way TLS, as the original; {@code remote.http.cert/key} add a client certificate when given). Every request,
 * body included, must finish within {@code remote.http.timeout}.
 */
public final class CloudHttp implements AutoCloseable {
    private final URI base;
    private final Duration timeout;
    private final HttpClient client;
    private final ScheduledExecutorService deadlines;

    /** A status of 400 or more, as the Go client reported it: {@code [code] body}. */
    public static final class StatusException extends IOException {
        public final int status;

        StatusException(int status, String body) {
            super("[" + status + "] " + body);
            this.status = status;
        }
    }

    public CloudHttp(AgentConfig.Http cfg) {
        this.base = URI.create(cfg.address);
        this.timeout = cfg.timeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(sslContext(cfg))
                .build();
        this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "http-deadline");
            t.setDaemon(true);
            return t;
        });
    }

    static SSLContext sslContext(AgentConfig.Http cfg) {
        TlsFiles files = new TlsFiles("remote.http", cfg.ca, cfg.cert, cfg.key, cfg.passphrase);
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(files.trustedCas());
            if (files.hasKeyPair()) {
                TlsFiles.KeyPair pair = files.keyPair();
                b.keyManager(pair.key(), pair.chain());
            }
            return ((JdkSslContext) b.build()).context();
        } catch (SSLException e) {
            throw new IllegalArgumentException("remote.http: cannot set up TLS (ca=" + cfg.ca + ", cert=" + cfg.cert
                    + ", key=" + cfg.key + "): " + e.getMessage(), e);
        }
    }

    /** POSTs {@code body} to {@code address + path} with the given headers; returns the response body. */
    public String post(String path, String body, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(req::header);
        HttpResponse<String> res;
        try {
            res = client.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw explain(e, base.resolve(path));
        }
        if (res.statusCode() >= 400) {
            throw new StatusException(res.statusCode(), res.body().stripTrailing());
        }
        return res.body();
    }

    /**
     * GETs an HTTPS URL into {@code dest}, refusing more than {@code maxBytes} (by Content-Length, or while
     * reading). On any error {@code dest} is removed.
     */
    public long download(URI url, Path dest, long maxBytes) throws IOException, InterruptedException {
        if (!"https".equals(url.getScheme())) {
            throw new IOException("volume URL must be https://, got '" + url + "'");
        }
        HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<InputStream> res;
        try {
            res = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw explain(e, url);
        }
        try (InputStream in = res.body()) {
            if (res.statusCode() >= 400) {
                byte[] head = in.readNBytes(512);
                throw new StatusException(res.statusCode(), new String(head, StandardCharsets.UTF_8).stripTrailing());
            }
            long declared = res.headers().firstValueAsLong("content-length").orElse(-1);
            if (declared > maxBytes) {
                throw new IOException("volume is " + declared + " bytes, more than ota.limit.size (" + maxBytes + ")");
            }
            // The body must arrive within the same timeout: closing the stream at the deadline ends a stalled read.
            long left = Math.max(1, deadline - System.nanoTime());
            ScheduledFuture<?> stop = deadlines.schedule(() -> closeQuietly(in), left, TimeUnit.NANOSECONDS);
            try (OutputStream out = Files.newOutputStream(dest)) {
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > maxBytes) {
                        throw new IOException("volume is more than ota.limit.size (" + maxBytes + " bytes)");
                    }
                    out.write(buf, 0, n);
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new IOException("download did not finish within remote.http.timeout (" + timeout + ")");
                }
                if (declared >= 0 && total != declared) {
                    throw new IOException("download ended after " + total + " of " + declared + " bytes");
                }
                return total;
            } catch (IOException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new IOException("download did not finish within remote.http.timeout (" + timeout + ")", e);
                }
                throw e;
            } finally {
                stop.cancel(false);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(dest);
            throw e;
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closing to interrupt a read: nothing more to do
        }
    }

    /** TLS failures in words a user can act on; others as they are, with the URL. */
    static IOException explain(IOException e, URI url) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException) {
                String msg = String.valueOf(t.getMessage());
                if (msg.contains("PKIX") || msg.contains("certification path")) {
                    return new IOException(url + ": TLS handshake failed: the server's certificate is not signed by "
                            + "remote.http.ca: " + msg, e);
                }
                if (msg.contains("No subject alternative") || msg.contains("No name matching")) {
                    return new IOException(url + ": TLS handshake failed: the server's certificate does not name host "
                            + url.getHost() + ": " + msg, e);
                }
                return new IOException(url + ": TLS handshake failed: " + msg, e);
            }
        }
        String msg = null;
        for (Throwable t = e; t != null && msg == null; t = t.getCause()) {
            msg = t.getMessage();
        }
        String kind = e.getClass().getSimpleName();
        return new IOException(url + ": " + (msg == null ? kind : kind + ": " + msg), e);
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        // java.net.http.HttpClient has no close() before Java 21; its threads are daemons and idle out.
    }
}
