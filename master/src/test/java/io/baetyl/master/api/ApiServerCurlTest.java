package io.baetyl.master.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.baetyl.master.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Interop with an independent HTTP client: curl over the unix socket, and over TLS with an openssl certificate. */
@Timeout(60)
class ApiServerCurlTest {
    @TempDir
    Path dir;

    private final RecordingMasterApi api = new RecordingMasterApi();
    private ApiServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command; returns exit status on the first line, then stdout. */
    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() + "\n" + out;
    }

    private List<String> curl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "20", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void curlOverUnixSocket_inspectReportAndAuthError() throws Exception {
        assumeTrue(onPath("curl"), "curl not installed");
        ServerConfig cfg = new ServerConfig();
        cfg.address = "unix://b.sock";
        server = new ApiServer(cfg, dir, api);
        server.start();
        String sock = server.socketPath().toString();
        api.inspect = Map.of("time", "2019-04-18T16:04:45Z");

        String inspect = run(curl("--unix-socket", sock, "-H", "x-openedge-username: agent",
                "-H", "x-openedge-password: t0ken", "http://baetyl/v1/system/inspect"));
        String report = run(curl("--unix-socket", sock, "-X", "PUT", "-H", "x-openedge-username: agent",
                "-H", "x-openedge-password: t0ken", "-H", "Content-Type: application/json",
                "-d", "{\"stats\":{\"msg_count\":344}}", "http://baetyl/v1/services/infer/instances/infer/report"));
        String denied = run(curl("--unix-socket", sock, "http://baetyl/v1/system/inspect"));

        assertThat(inspect).isEqualTo("0\n{\"time\":\"2019-04-18T16:04:45Z\"}\n200");
        assertThat(report).isEqualTo("0\n\n200");
        assertThat(api.calls).containsExactly(new RecordingMasterApi.Call("report", "infer", "infer",
                Map.of("stats", Map.of("msg_count", 344))));
        assertThat(denied).isEqualTo("0\naccount unauthorized\n\n401");
    }

    @Test
    void curlOverTls_withAnOpensslCertificate() throws Exception {
        assumeTrue(onPath("curl") && onPath("openssl"), "curl or openssl not installed");
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        String gen = run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()));
        assumeTrue(gen.startsWith("0\n"), "openssl could not make a certificate: " + gen);

        ServerConfig cfg = new ServerConfig();
        cfg.address = "tcp://127.0.0.1:0";
        cfg.cert = "server.pem"; // relative to the work dir
        cfg.key = "server.key";
        server = new ApiServer(cfg, dir, api);
        server.start();

        String out = run(curl("--cacert", cert.toString(), "-H", "x-openedge-username: agent",
                "-H", "x-openedge-password: t0ken", "https://127.0.0.1:" + server.port() + "/v1/ports/available"));

        assertThat(out).matches("0\n\\{\"port\":\"\\d+\"}\n200");
    }
}
