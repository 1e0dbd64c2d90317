package io.baetyl.function.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import baetyl.FunctionOuterClass.FunctionMessage;
import com.google.protobuf.ByteString;
import io.baetyl.sdk.testing.FreePorts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** End to end in this JVM: the real entry point, a real gRPC server on 127.0.0.1 and a real client channel. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqlFunctionRuntimeTest {
    private static final String DOCS_CONFIG = """
            functions:
            - name: sql-filter
              handler: 'select qos() as qos, topic() as topic, * where id < 10'
            - name: filter
              handler: 'SELECT temperature, ts, unit WHERE temperature > 50'
            logger:
              path: %s
              level: debug
            """;

    @TempDir
    Path dir;

    private Path config(String yaml) throws Exception {
        return RuntimeHarness.writeConfig(dir, yaml);
    }

    private Path docsConfig() throws Exception {
        return config(DOCS_CONFIG.formatted(dir.resolve("sql.log")));
    }

    private static Map<String, String> address(int port) {
        return Map.of("BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:" + port);
    }

    private String log() throws Exception {
        Path file = dir.resolve("sql.log");
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static String text(FunctionMessage m) {
        return m.getPayload().toString(StandardCharsets.UTF_8);
    }

    @Test
    void docsFunctionFilterConf() throws Exception {
        try (RuntimeHarness rt = RuntimeHarness.start(docsConfig(), address(FreePorts.next()))) {
            FunctionMessage in = RuntimeHarness.message("sql-filter", "t", 1, "{\"id\":1}");
            FunctionMessage out = rt.stub().call(in);
            assertThat(text(out)).isEqualTo("{\"qos\":1,\"topic\":\"t\",\"id\":1}");
            // Everything but the payload comes back as sent, like the Python runtime's CopyFrom.
            assertThat(out.toBuilder().setPayload(in.getPayload()).build()).isEqualTo(in);

            assertThat(text(rt.call("sql-filter", "t", 0, "{\"id\":3,\"name\":\"x\"}")))
                    .isEqualTo("{\"qos\":0,\"topic\":\"t\",\"id\":3,\"name\":\"x\"}");
        }
    }

    @Test
    void docsDesensitizingFilter() throws Exception {
        try (RuntimeHarness rt = RuntimeHarness.start(docsConfig(), address(FreePorts.next()))) {
            String reading = "{\"workshop\":\"W-3\",\"device\":\"TS-01\",\"temperature\":66.6,\"ts\":1569246549,\"unit\":\"C\"}";
            assertThat(text(rt.call("filter", "data", 1, reading)))
                    .isEqualTo("{\"temperature\":66.6,\"ts\":1569246549,\"unit\":\"C\"}");
            assertThat(rt.call("filter", "data", 1, reading.replace("66.6", "20")).getPayload().isEmpty()).isTrue();
        }
    }

    @Test
    void whereFalsePublishesNothing() throws Exception {
        try (RuntimeHarness rt = RuntimeHarness.start(docsConfig(), address(FreePorts.next()))) {
            FunctionMessage out = rt.call("sql-filter", "t", 1, "{\"id\":10}");
            assertThat(out.getPayload()).isEqualTo(ByteString.EMPTY);
            assertThat(out.getTopic()).isEqualTo("t");
            // No id at all: the comparison is unknown, which filters too.
            assertThat(rt.call("sql-filter", "t", 1, "{}").getPayload().isEmpty()).isTrue();
            // An empty payload counts as {} (as in the Python and Node runtimes), so it is filtered, not an error.
            assertThat(rt.call("sql-filter", "t", 1, "").getPayload().isEmpty()).isTrue();
        }
    }

    @Test
    void nonJsonPayloadIsTheDocumentedErrorAndLaterMessagesStillWork() throws Exception {
        try (RuntimeHarness rt = RuntimeHarness.start(docsConfig(), address(FreePorts.next()))) {
            assertThatThrownBy(() -> rt.call("sql-filter", "t", 1, "hello"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                        assertThat(e.getStatus().getDescription()).startsWith(
                                "Exception calling application: [UserCodeInvoke] function (sql-filter): "
                                        + "payload is not valid JSON (line 1, column 6): Unrecognized token 'hello'");
                    });
            assertThatThrownBy(() -> rt.call("sql-filter", "t", 1, "{\"id\":1} trailing"))
                    .hasMessageContaining("payload is not valid JSON");
            assertThatThrownBy(() -> rt.call("sql-filter", "t", 1, "[1,2]"))
                    .hasMessageEndingWith("[UserCodeInvoke] function (sql-filter): "
                            + "payload must be a JSON object, got an array");
            assertThatThrownBy(() -> rt.call("sql-filter", "t", 1, "42"))
                    .hasMessageEndingWith("payload must be a JSON object, got a number");
            FunctionMessage binary = RuntimeHarness.message("sql-filter", "t", 1, "").toBuilder()
                    .setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xfe, 0})).build();
            assertThatThrownBy(() -> rt.stub().call(binary)).hasMessageContaining("payload is not valid JSON");

            assertThat(text(rt.call("sql-filter", "t", 1, "{\"id\":2}"))).isEqualTo("{\"qos\":1,\"topic\":\"t\",\"id\":2}");
            assertThat(log()).contains("function (sql-filter): payload is not valid JSON");
        }
    }

    @Test
    void unknownFunction() throws Exception {
        try (RuntimeHarness rt = RuntimeHarness.start(docsConfig(), address(FreePorts.next()))) {
            assertThatThrownBy(() -> rt.call("nope", "t", 1, "{\"id\":1}"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                        assertThat(e.getStatus().getDescription())
                                .isEqualTo("Exception calling application: function (nope) not found");
                    });
            assertThat(text(rt.call("sql-filter", "t", 1, "{\"id\":1}"))).startsWith("{\"qos\":1");
        }
    }

    @Test
    void topicLevelsAndTimestampFromTheMessage() throws Exception {
        Path cfg = config("""
                functions:
                - name: f
                  handler: "select topic(2) as room, timestamp() as ts, clientid() as cid, value * 2 as v where topic(1) = 'sensors'"
                """);
        try (RuntimeHarness rt = RuntimeHarness.start(cfg, address(FreePorts.next()))) {
            assertThat(text(rt.call("f", "sensors/kitchen/temp", 0, "{\"value\":21}")))
                    .isEqualTo("{\"room\":\"kitchen\",\"ts\":1569246549,\"cid\":\"\",\"v\":42}");
            assertThat(rt.call("f", "other/kitchen", 0, "{\"value\":21}").getPayload().isEmpty()).isTrue();
        }
    }

    @Test
    void concurrentCallsAreIndependent() throws Exception {
        try (RuntimeHarness rt = RuntimeHarness.start(docsConfig(), address(FreePorts.next()))) {
            var stub = rt.stub();
            java.util.List<java.util.concurrent.CompletableFuture<String>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int id = i;
                calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() ->
                        text(stub.call(RuntimeHarness.message("sql-filter", "t", 1, "{\"id\":" + id + "}")))));
            }
            for (int i = 0; i < 50; i++) {
                assertThat(calls.get(i).get(20, TimeUnit.SECONDS))
                        .isEqualTo(i < 10 ? "{\"qos\":1,\"topic\":\"t\",\"id\":" + i + "}" : "");
            }
        }
    }

    @Test
    void closeIsGracefulAndFreesThePort() throws Exception {
        int port = FreePorts.next();
        RuntimeHarness rt = RuntimeHarness.start(docsConfig(), address(port));
        try {
            rt.call("sql-filter", "t", 1, "{\"id\":1}");
            assertThat(rt.stop()).isZero();
        } finally {
            rt.close();
        }
        assertThat(log()).contains("service started").contains("service closed");
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void addressFromConfigAndEnvPrecedence() throws Exception {
        int configPort = FreePorts.next();
        Path cfg = config("""
                server:
                  address: 127.0.0.1:%d
                functions:
                - name: f
                  handler: select *
                """.formatted(configPort));
        try (RuntimeHarness rt = RuntimeHarness.start(cfg, Map.of())) {
            assertThat(rt.port()).isEqualTo(configPort);
        }
        int oe = FreePorts.next();
        try (RuntimeHarness rt = RuntimeHarness.start(cfg, Map.of("OPENEDGE_SERVICE_ADDRESS", "127.0.0.1:" + oe,
                "BAETYL_SERVICE_INSTANCE_ADDRESS", ""))) {
            assertThat(rt.port()).isEqualTo(oe);
            assertThat(text(rt.call("f", "t", 0, "{\"a\":1}"))).isEqualTo("{\"a\":1}");
        }
        int oeInstance = FreePorts.next();
        int baetyl = FreePorts.next();
        try (RuntimeHarness rt = RuntimeHarness.start(cfg, Map.of("OPENEDGE_SERVICE_ADDRESS", "127.0.0.1:" + oe,
                "OPENEDGE_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:" + oeInstance,
                "BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:" + baetyl))) {
            assertThat(rt.port()).isEqualTo(baetyl);
        }
        try (RuntimeHarness rt = RuntimeHarness.start(cfg, Map.of("OPENEDGE_SERVICE_ADDRESS", "127.0.0.1:" + oe,
                "OPENEDGE_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:" + oeInstance))) {
            assertThat(rt.port()).isEqualTo(oeInstance);
        }
    }

    @Test
    void mutualTls() throws Exception {
        Path certs = dir.resolve("certs");
        Process gen = new ProcessBuilder("bash", Path.of("..", "scripts", "gen-test-certs.sh").toString(), certs.toString())
                .inheritIO().start();
        assertThat(gen.waitFor(30, TimeUnit.SECONDS) && gen.exitValue() == 0).isTrue();
        Path cfg = config("""
                server:
                  key: %1$s/server.key
                  cert: %1$s/server.pem
                  ca: %1$s/ca.pem
                functions:
                - name: f
                  handler: select *
                """.formatted(certs));
        try (RuntimeHarness rt = RuntimeHarness.start(cfg, address(FreePorts.next()))) {
            io.grpc.ChannelCredentials client = io.grpc.TlsChannelCredentials.newBuilder()
                    .keyManager(certs.resolve("client.pem").toFile(), certs.resolve("client.key").toFile())
                    .trustManager(certs.resolve("ca.pem").toFile())
                    .build();
            io.grpc.ManagedChannel ch = io.grpc.Grpc.newChannelBuilderForAddress("127.0.0.1", rt.port(), client)
                    .overrideAuthority("localhost").build();
            try {
                FunctionMessage out = baetyl.FunctionGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .call(RuntimeHarness.message("f", "t", 0, "{\"a\":1}"));
                assertThat(text(out)).isEqualTo("{\"a\":1}");
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            // Without a client certificate the handshake is refused, because a ca is configured.
            io.grpc.ChannelCredentials anonymous = io.grpc.TlsChannelCredentials.newBuilder()
                    .trustManager(certs.resolve("ca.pem").toFile()).build();
            io.grpc.ManagedChannel ch2 = io.grpc.Grpc.newChannelBuilderForAddress("127.0.0.1", rt.port(), anonymous)
                    .overrideAuthority("localhost").build();
            try {
                assertThatThrownBy(() -> baetyl.FunctionGrpc.newBlockingStub(ch2).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .call(RuntimeHarness.message("f", "t", 0, "{}")))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            } finally {
                ch2.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            // Plain text against the TLS port fails too.
            assertThatThrownBy(() -> rt.call("f", "t", 0, "{}")).isInstanceOf(StatusRuntimeException.class);
        }
    }

    // ---- startup errors: exit status 1 and one clear log line ----

    private int failsToStart(String yaml, Map<String, String> env) throws Exception {
        RuntimeHarness rt = RuntimeHarness.launch(config(yaml), env);
        int status = rt.exit.get(30, TimeUnit.SECONDS);
        rt.close();
        return status;
    }

    private String withLog(String yaml) {
        return yaml + "logger:\n  path: " + dir.resolve("sql.log") + "\n";
    }

    @Test
    void parseErrorNamesFunctionAndPosition() throws Exception {
        String yaml = withLog("""
                functions:
                - name: ok
                  handler: select *
                - name: sql-filter
                  handler: 'select qos() as qos, topic() as topic, * were id < 10'
                """);
        assertThat(failsToStart(yaml, address(FreePorts.next()))).isEqualTo(1);
        assertThat(log()).contains("functions[1] (sql-filter).handler: syntax error at position 42: "
                + "expected ',', AS, WHERE or end of statement, found 'were'");
    }

    @Test
    void missingAddressIsAStartupError() throws Exception {
        assertThat(failsToStart(withLog("functions:\n- name: f\n  handler: select *\n"), Map.of())).isEqualTo(1);
        assertThat(log()).contains("server.address: missing");
    }

    @Test
    void missingFunctionsOrHandlerOrDuplicateNamesAreStartupErrors() throws Exception {
        Map<String, String> env = address(FreePorts.next());
        assertThat(failsToStart(withLog("name: x\n"), env)).isEqualTo(1);
        assertThat(log()).contains("functions: missing");
        assertThat(failsToStart(withLog("functions:\n- name: f\n"), env)).isEqualTo(1);
        assertThat(log()).contains("functions[0] (f).handler: missing");
        assertThat(failsToStart(withLog("functions:\n- handler: select *\n"), env)).isEqualTo(1);
        assertThat(log()).contains("functions[0].name: missing");
        assertThat(failsToStart(withLog("functions:\n- {name: f, handler: select *}\n- {name: f, handler: select a}\n"),
                env)).isEqualTo(1);
        assertThat(log()).contains("functions[1] (f): function name is used twice");
        assertThat(failsToStart(withLog("server: {timeout: soon}\nfunctions: []\n"), env)).isEqualTo(1);
        assertThat(log()).contains("server.timeout");
        assertThat(failsToStart(withLog("server: {key: nope.key, cert: nope.pem}\nfunctions: []\n"), env)).isEqualTo(1);
        assertThat(log()).contains("server.cert: nope.pem: file not found");
        assertThat(failsToStart(withLog("server: {key: nope.key}\nfunctions: []\n"), env)).isEqualTo(1);
        assertThat(log()).contains("server.key and server.cert: must be set together");
    }

    @Test
    void missingConfigFileAndBadAddressAndPortInUse() throws Exception {
        RuntimeHarness missing = RuntimeHarness.launch(dir.resolve("nope.yml"), address(FreePorts.next()));
        assertThat(missing.exit.get(30, TimeUnit.SECONDS)).isEqualTo(1);

        String yaml = withLog("functions:\n- name: f\n  handler: select *\n");
        assertThat(failsToStart(yaml, Map.of("BAETYL_SERVICE_INSTANCE_ADDRESS", "no-port"))).isEqualTo(1);
        assertThat(log()).contains("server.address: 'no-port' must be host:port");

        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(failsToStart(yaml, address(port))).isEqualTo(1);
            assertThat(log()).contains("cannot listen on server address (127.0.0.1:" + port + ")");
            // The occupied port still belongs to its owner.
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertThat(s.isConnected()).isTrue();
            }
        }
    }

    @Test
    void emptyFunctionListStartsButEveryCallIsNotFound() throws Exception {
        try (RuntimeHarness rt = RuntimeHarness.start(config(withLog("functions: []\n")), address(FreePorts.next()))) {
            assertThatThrownBy(() -> rt.call("f", "t", 0, "{}")).hasMessageContaining("function (f) not found");
        }
        assertThat(log()).contains("no functions configured");
    }
}
