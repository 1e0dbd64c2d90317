package io.baetyl.master.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.master.config.ServerConfig;
import io.baetyl.sdk.testing.TestPki;
import io.baetyl.sdk.tls.TlsFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The API over TLS ({@code server.cert/key}) with keys in each PEM format, and the error of a wrong key file. */
@Timeout(120)
class ApiServerTlsKeysTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    private ApiServer server;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ServerConfig tls(TestPki.Leaf leaf) {
        ServerConfig cfg = new ServerConfig();
        cfg.address = "tcp://127.0.0.1:0";
        cfg.cert = leaf.cert().toString();
        cfg.key = leaf.key().toString();
        cfg.passphrase = leaf.passphrase();
        cfg.validate();
        return cfg;
    }

    @ParameterizedTest
    @EnumSource(TestPki.KeyFormat.class)
    void theApiServesTlsWithEveryKeyFormat(TestPki.KeyFormat format) throws Exception {
        server = new ApiServer(tls(pki.issue("api-" + format.name().toLowerCase(), format)), dir,
                new RecordingMasterApi());
        server.start();
        SSLContext trust = SSLContext.getInstance("TLS");
        trust.init(null, new TlsFiles("test", pki.ca.toString(), null, null, null).trustManagers(), null);
        HttpClient http = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + server.port() + "/v1/ports/available"))
                .header("x-openedge-username", RecordingMasterApi.USER)
                .header("x-openedge-password", RecordingMasterApi.TOKEN)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).contains("port");
    }

    @Test
    void aCertificateGivenAsTheKeyIsOneErrorNamingServerKey() throws Exception {
        TestPki.Leaf leaf = pki.issue("api-swapped", TestPki.KeyFormat.PKCS1);
        server = new ApiServer(tls(new TestPki.Leaf(leaf.cert(), leaf.cert(), TestPki.KeyFormat.PKCS1)), dir,
                new RecordingMasterApi());
        assertThatThrownBy(server::start).hasMessageStartingWith("server.key: " + leaf.cert()
                + ": holds BEGIN CERTIFICATE, not a private key");
    }
}
