package io.baetyl.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.baetyl.sdk.config.ByteSize;
import io.baetyl.testcloud.OtaPublisher;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Downloads over real HTTPS from a JDK server with the test cloud's certificates. */
@Timeout(60)
class VolumeStoreTest {
    @TempDir
    static Path certs;
    @TempDir
    static Path otherCerts;
    @TempDir
    Path tmp;

    HttpsServer server;
    final AtomicInteger requests = new AtomicInteger();
    CloudHttp http;

    @BeforeAll
    static void makeCerts() throws Exception {
        TestCerts.make(certs, "dev1");
        TestCerts.make(otherCerts, "dev1");
    }

    private String serve(Path certDir, Path zip) throws Exception {
        var tls = ((JdkSslContext) SslContextBuilder.forServer(certDir.resolve("server.pem").toFile(),
                certDir.resolve("server.key").toFile()).sslProvider(SslProvider.JDK).build()).context();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/v.zip", ex -> {
            requests.incrementAndGet();
            byte[] b = Files.readAllBytes(zip);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        server.createContext("/missing.zip", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    private VolumeStore store() {
        AgentConfig.Http h = new AgentConfig.Http();
        h.address = "https://127.0.0.1:1";
        h.ca = certs.resolve("ca.pem").toString();
        h.timeout = Duration.ofSeconds(10);
        http = new CloudHttp(h);
        AgentConfig.Limit limit = new AgentConfig.Limit();
        limit.size = ByteSize.parse("1m");
        return new VolumeStore(tmp.resolve("volumes"), http, limit, Duration.ofMillis(50));
    }

    private Path appZip() throws Exception {
        Path zip = tmp.resolve("app.zip");
        OtaPublisher.rawZip(zip, List.of(Map.entry("application.yml", "version: v2\n".getBytes())));
        return zip;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (http != null) {
            http.close();
        }
    }

    @Test
    void downloadsChecksUnpacksAndSkipsWhatIsThereWithTheSameMd5() throws Exception {
        Path zip = appZip();
        String base = serve(certs, zip);
        VolumeStore store = store();
        VolumeInfo v = new VolumeInfo("app-v2", "var/db/baetyl/app/v2", base + "/v.zip", OtaPublisher.md5(zip), "v2");

        VolumeStore.Dirs d = store.fetch(v);
        assertThat(d.hostDir()).isEqualTo("var/db/baetyl/app/v2");
        assertThat(d.agentDir()).isEqualTo(tmp.resolve("volumes/app/v2"));
        assertThat(d.agentDir().resolve("application.yml")).hasContent("version: v2");
        assertThat(d.agentDir().resolve("app-v2.zip")).hasSameBinaryContentAs(zip);
        assertThat(requests.get()).isEqualTo(1);

        store.fetch(v);
        assertThat(requests.get()).as("same MD5: not downloaded again").isEqualTo(1);
    }

    @Test
    void aWrongMd5IsRefusedAndNothingIsUnpacked() throws Exception {
        Path zip = appZip();
        VolumeStore store = store();
        VolumeInfo v = new VolumeInfo("app-v2", "var/db/baetyl/app-v2", serve(certs, zip) + "/v.zip", "AAAAAAAAAAAAAAAAAAAAAA==", "v2");
        assertThatThrownBy(() -> store.fetch(v))
                .hasMessage("MD5 of volume (app-v2) invalid: expected AAAAAAAAAAAAAAAAAAAAAA==, got " + OtaPublisher.md5(zip));
        assertThat(tmp.resolve("volumes/app-v2")).doesNotExist();
        assertThat(tmp.resolve("volumes")).doesNotExist();
    }

    @Test
    void aFailedUpdateOfAnExistingVolumeLeavesItAsItWas() throws Exception {
        Path existing = Files.createDirectories(tmp.resolve("volumes/conf"));
        Files.writeString(existing.resolve("service.yml"), "old");
        Path zip = appZip();
        VolumeStore store = store();
        VolumeInfo v = new VolumeInfo("conf", "var/db/baetyl/conf", serve(certs, zip) + "/v.zip", "bad", "v2");
        assertThatThrownBy(() -> store.fetch(v)).hasMessageContaining("MD5 of volume (conf) invalid");
        try (var s = Files.list(existing)) {
            assertThat(s.toList()).containsExactly(existing.resolve("service.yml"));
        }
        assertThat(existing.resolve("service.yml")).hasContent("old");
    }

    @Test
    void anUnreachableCloudIsRetriedThenReported() throws Exception {
        VolumeStore store = store();
        int closed = io.baetyl.sdk.testing.FreePorts.next();
        VolumeInfo v = new VolumeInfo("app", "var/db/baetyl/app", "https://127.0.0.1:" + closed + "/v.zip", "x", "v");
        assertThatThrownBy(() -> store.fetch(v))
                .hasMessageStartingWith("failed to download volume (app) after 3 attempts: https://127.0.0.1:" + closed);
        assertThat(tmp.resolve("volumes/app")).doesNotExist();
    }

    @Test
    void aClientErrorIsNotRetried() throws Exception {
        VolumeStore store = store();
        VolumeInfo v = new VolumeInfo("app", "var/db/baetyl/app", serve(certs, appZip()) + "/missing.zip", "x", "v");
        assertThatThrownBy(() -> store.fetch(v)).hasMessage("failed to download volume (app): [404] ");
        assertThat(requests.get()).isEqualTo(1);
    }

    @Test
    void aServerNotSignedByTheConfiguredCaIsRefused() throws Exception {
        Path zip = appZip();
        VolumeStore store = store();
        VolumeInfo v = new VolumeInfo("app", "var/db/baetyl/app", serve(otherCerts, zip) + "/v.zip", OtaPublisher.md5(zip), "v");
        assertThatThrownBy(() -> store.fetch(v))
                .hasMessageContaining("TLS handshake failed: the server's certificate is not signed by remote.http.ca");
        assertThat(requests.get()).isZero();
        assertThat(tmp.resolve("volumes/app")).doesNotExist();
    }

    @Test
    void pathsOutsideVarDbBaetylAndBadNamesAreRefused() {
        VolumeStore store = store();
        for (String p : List.of("var/db/other", "var/db/baetyl/../../../etc", "/var/db/baetyl/x", "var/db/baetyl", "")) {
            assertThatThrownBy(() -> store.fetch(new VolumeInfo("app", p, "https://127.0.0.1:1/v.zip", "x", "v")))
                    .hasMessage("path of volume (app) invalid: '" + p + "' is not inside var/db/baetyl");
        }
        assertThatThrownBy(() -> store.fetch(new VolumeInfo("../x", "var/db/baetyl/x", "https://127.0.0.1:1/v.zip", "x", "v")))
                .hasMessageStartingWith("name of volume (../x) invalid");
        assertThatThrownBy(() -> store.fetch(new VolumeInfo("app", "var/db/baetyl/x", "http://127.0.0.1:1/v.zip", "x", "v")))
                .hasMessageContaining("volume URL must be https://");
        assertThat(tmp.resolve("volumes")).doesNotExist();
    }
}
