package io.baetyl.master.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.master.config.ServerConfig;
import io.baetyl.sdk.api.HttpMasterClient;
import io.baetyl.sdk.api.MasterApiException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The API server driven by the real SDK client over a real unix socket and over TCP. */
@Timeout(30)
class ApiServerTest {
    @TempDir
    Path dir;

    private final RecordingMasterApi api = new RecordingMasterApi();
    private ApiServer server;
    private HttpMasterClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Starts the server on the given transport and returns the address a client should use. */
    private String start(String transport) throws IOException {
        ServerConfig cfg = new ServerConfig();
        cfg.address = transport.equals("unix") ? "unix://run/b.sock" : "tcp://127.0.0.1:0";
        cfg.validate();
        server = new ApiServer(cfg, dir, api);
        server.start();
        return transport.equals("unix") ? "unix://" + server.socketPath() : "tcp://127.0.0.1:" + server.port();
    }

    private HttpMasterClient client(String address, String user, String token, String version) {
        client = new HttpMasterClient(address, user, token, Duration.ofSeconds(10), version);
        return client;
    }

    private RawHttp.Response raw(String transport, String request) throws IOException {
        return transport.equals("unix") ? RawHttp.unix(server.socketPath(), request)
                : RawHttp.tcp(server.port(), request);
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void inspect_withValidToken_returnsTheMasterDocument(String transport) throws IOException {
        api.inspect = Map.of("time", "2019-04-18T16:04:45.920152Z", "services", List.of(Map.of("name", "hub")));
        HttpMasterClient c = client(start(transport), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");

        assertThat(c.inspectSystem()).isEqualTo(api.inspect);
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void anyRoute_withWrongToken_is401AccountUnauthorized(String transport) throws IOException {
        HttpMasterClient c = client(start(transport), RecordingMasterApi.USER, "wrong", "v1");

        assertThatThrownBy(c::inspectSystem).isInstanceOfSatisfying(MasterApiException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.getMessage()).isEqualTo("[401] account unauthorized");
        });
        assertThatThrownBy(() -> c.stopInstance("svc", "i1")).isInstanceOf(MasterApiException.class);
        RawHttp.Response r = raw(transport, RawHttp.request("GET", "/v1/ports/available", null, null, null));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).isEqualTo("account unauthorized\n");
        assertThat(r.headers()).containsIgnoringCase("content-type: text/plain");
        assertThat(api.calls).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void reportStartStop_bodiesReachTheMaster(String transport) throws IOException {
        HttpMasterClient c = client(start(transport), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");

        c.reportInstance("infer", "infer", Map.of("info", Map.of("company", "baidu"), "stats", Map.of("n", 124)));
        c.startInstance("function", "function.sayhi.1", Map.of("BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:50051"));
        c.stopInstance("function", "function.sayhi.1");

        assertThat(api.calls).containsExactly(
                new RecordingMasterApi.Call("report", "infer", "infer",
                        Map.of("info", Map.of("company", "baidu"), "stats", Map.of("n", 124))),
                new RecordingMasterApi.Call("start", "function", "function.sayhi.1",
                        Map.of("BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:50051")),
                new RecordingMasterApi.Call("stop", "function", "function.sayhi.1", null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void handlerError_is400WithTheMessage(String transport) throws IOException {
        HttpMasterClient c = client(start(transport), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");
        api.failure = new IllegalArgumentException("service (nope) not found");

        assertThatThrownBy(() -> c.reportInstance("nope", "nope", Map.of("a", 1)))
                .isInstanceOfSatisfying(MasterApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("[400] service (nope) not found");
                });
        RawHttp.Response r = raw(transport, RawHttp.request("PUT", "/v1/services/nope/instances/nope/stop",
                RecordingMasterApi.USER, RecordingMasterApi.TOKEN, null));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("service (nope) not found\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void start_withMissingOrInvalidBody_is400(String transport) throws IOException {
        start(transport);
        String path = "/v1/services/function/instances/f1/start";
        String u = RecordingMasterApi.USER;
        String t = RecordingMasterApi.TOKEN;

        RawHttp.Response none = raw(transport, RawHttp.request("PUT", path, u, t, null));
        RawHttp.Response broken = raw(transport, RawHttp.request("PUT", path, u, t, "{\"a\":"));
        RawHttp.Response array = raw(transport, RawHttp.request("PUT", path, u, t, "[1,2]"));
        RawHttp.Response number = raw(transport, RawHttp.request("PUT", path, u, t, "{\"PORT\":5}"));

        assertThat(none.status()).isEqualTo(400);
        assertThat(none.body()).isEqualTo("request body invalid\n");
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.body()).startsWith("request body invalid: ").endsWith("\n");
        assertThat(array.status()).isEqualTo(400);
        assertThat(number.status()).isEqualTo(400);
        assertThat(number.body()).contains("PORT");
        assertThat(api.calls).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void availablePort_isAFreeBindablePort(String transport) throws IOException {
        HttpMasterClient c = client(start(transport), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");

        String port = c.getAvailablePort();

        assertThat(port).matches("\\d+");
        try (ServerSocket s = new ServerSocket(Integer.parseInt(port), 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(s.getLocalPort()).isEqualTo(Integer.parseInt(port));
        }
        RawHttp.Response r = raw(transport, RawHttp.request("GET", "/ports/available",
                RecordingMasterApi.USER, RecordingMasterApi.TOKEN, null));
        assertThat(r.body()).matches("\\{\"port\":\"\\d+\"}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void update_reachesTheMasterWithTheCallingService(String transport) throws Exception {
        HttpMasterClient c = client(start(transport), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");

        c.updateSystem("trace-1", "APP", "var/db/baetyl/ota/app/V2");

        assertThat(api.calls).containsExactly(new RecordingMasterApi.Call("update", null, null,
                List.of("trace-1", "APP", "var/db/baetyl/ota/app/V2")));
        assertThat(api.lastCaller).isEqualTo(RecordingMasterApi.USER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void refusals_keepTheirStatusAndOneLineReason(String transport) throws IOException {
        HttpMasterClient c = client(start(transport), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");
        api.failure = io.baetyl.master.api.ApiException.forbidden("service 'agent' may not\nstop it");

        assertThatThrownBy(() -> c.stopInstance("s", "i")).isInstanceOfSatisfying(MasterApiException.class,
                e -> assertThat(e).hasMessage("[403] service 'agent' may not\\nstop it"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void bodyOverTheLimit_is413WithTheLimit_andTheConnectionStillServes(String transport) throws IOException {
        start(transport);
        String big = "{\"k\":\"" + "x".repeat(ApiServer.MAX_BODY_BYTES) + "\"}";
        String request = RawHttp.request("PUT", "/v1/services/s/instances/i/report", RecordingMasterApi.USER,
                RecordingMasterApi.TOKEN, big);
        RawHttp.Response r = raw(transport, request);

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.body()).isEqualTo("request body too large: the limit is 65536 bytes\n");
        assertThat(api.calls).isEmpty();
        HttpMasterClient c = client("unix".equals(transport) ? "unix://" + server.socketPath()
                : "tcp://127.0.0.1:" + server.port(), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");
        c.reportInstance("s", "i", Map.of("k", "small"));
        assertThat(api.calls).hasSize(1);
    }

    @Test
    void update_v0WithFileAndNoType_defaultsToApp() throws Exception {
        start("unix");
        RawHttp.Response r = RawHttp.unix(server.socketPath(), RawHttp.request("PUT", "/system/update",
                RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "{\"file\":\"var/db/baetyl/app/V1\"}"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(api.updateDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(api.calls.get(0).arg()).isEqualTo(List.of("", "APP", "var/db/baetyl/app/V1"));
    }

    @Test
    void v0Paths_inspectIsConvertedAndInstancesWork() throws IOException {
        Map<String, Object> hw = Map.of(
                "mem_stats", Map.of("total", 100, "free", 40),
                "cpu_stats", Map.of("cores", 4, "used_percent", 12.5),
                "gpu_stats", Map.of("gpus", List.of(Map.of("index", "0", "model", "TITAN X", "mem_total", 12189,
                        "mem_free", 12187, "mem_used_percent", 1.0, "gpu_used_percent", 2.0))));
        api.inspect = Map.of("time", "t", "hardware", hw, "services", List.of());
        HttpMasterClient c = client(start("unix"), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "");

        Map<String, Object> v0 = c.inspectSystem();
        c.startInstance("function", "f1", Map.of("K", "V"));
        c.stopInstance("function", "f1");

        assertThat(v0).containsEntry("time", "t").containsEntry("services", List.of());
        assertThat(v0.get("hardware")).isEqualTo(Map.of(
                "mem_stats", Map.of("total", 100, "free", 40),
                "cpu_stats", Map.of("used_percent", 12.5),
                "gpu_stats", List.of(Map.of("id", "0", "model", "TITAN X",
                        "mem_stat", Map.of("total", 12189, "free", 12187, "used_percent", 1.0)))));
        assertThat(api.calls).extracting(RecordingMasterApi.Call::op).containsExactly("start", "stop");
        // report has no v0 route
        assertThatThrownBy(() -> c.reportInstance("function", "f1", Map.of()))
                .isInstanceOfSatisfying(MasterApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void unknownRoute_is404_wrongMethod_is405() throws IOException {
        start("tcp");
        String u = RecordingMasterApi.USER;
        String t = RecordingMasterApi.TOKEN;

        assertThat(RawHttp.tcp(server.port(), RawHttp.request("GET", "/v1/nothing", u, t, null)).status())
                .isEqualTo(404);
        assertThat(RawHttp.tcp(server.port(), RawHttp.request("GET", "/v1/system/inspect/", u, t, null)).status())
                .isEqualTo(404);
        assertThat(RawHttp.tcp(server.port(), RawHttp.request("POST", "/v1/system/inspect", u, t, "{}")).status())
                .isEqualTo(405);
        assertThat(RawHttp.tcp(server.port(), RawHttp.request("GET", "/v1/system/inspect?x=1", u, t, null))
                .status()).isEqualTo(200);
    }

    @Test
    void keepAlive_servesSeveralRequestsOnOneConnectionInOrder() throws IOException {
        start("unix");
        String u = RecordingMasterApi.USER;
        String t = RecordingMasterApi.TOKEN;
        // Pipelined: two keep-alive requests, then one that closes; responses must come back in order.
        String first = RawHttp.request("PUT", "/v1/services/a/instances/1/stop", u, t, null)
                .replace("Connection: close\r\n", "");
        String second = RawHttp.request("PUT", "/v1/services/a/instances/2/stop", u, t, null)
                .replace("Connection: close\r\n", "");
        String third = RawHttp.request("GET", "/v1/nothing", u, t, null);

        RawHttp.Response r = RawHttp.unix(server.socketPath(), first + second + third);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("HTTP/1.1 200").contains("HTTP/1.1 404");
        assertThat(api.calls).extracting(RecordingMasterApi.Call::instance).containsExactly("1", "2");
    }

    @Test
    void unixSocket_isRelativeToWorkDir_owner_and_group_only_andRemovedOnClose() throws IOException {
        start("unix");
        Path sock = server.socketPath();

        assertThat(sock).isEqualTo(dir.resolve("run/b.sock").toAbsolutePath().normalize());
        assertThat(Files.exists(sock)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-rw----");

        server.close();
        assertThat(Files.exists(sock)).isFalse();
        assertThatCode(server::close).doesNotThrowAnyException();
    }

    @Test
    void start_removesAStaleSocketFile() throws IOException {
        Files.createDirectories(dir.resolve("run"));
        Files.writeString(dir.resolve("run/b.sock"), "left over by a crashed master");

        HttpMasterClient c = client(start("unix"), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");

        assertThat(c.inspectSystem()).isEqualTo(api.inspect);
    }

    @Test
    void start_onABusyTcpPort_failsWithTheAddress() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            ServerConfig cfg = new ServerConfig();
            cfg.address = "tcp://127.0.0.1:" + busy.getLocalPort();
            server = new ApiServer(cfg, dir, api);

            assertThatThrownBy(server::start).isInstanceOf(IOException.class).hasMessageContaining(cfg.address);
        }
    }

    @Test
    void idleConnections_areClosedAfterTheTimeout() throws IOException {
        ServerConfig cfg = new ServerConfig();
        cfg.address = "tcp://127.0.0.1:0";
        cfg.timeout = Duration.ofMillis(300);
        server = new ApiServer(cfg, dir, api);
        server.start();

        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1); // closed by the server, nothing sent
            // closed by the server's 300 ms timeout, well before the 10 s read timeout would end the read
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(9_000);
        }
    }

    @Test
    void slowMasterCall_doesNotBlockOtherRequests() throws Exception {
        HttpMasterClient c = client(start("unix"), RecordingMasterApi.USER, RecordingMasterApi.TOKEN, "v1");
        CountDownLatch release = new CountDownLatch(1);
        MasterApi slow = new RecordingMasterApi() {
            @Override
            public void startInstance(String caller, String serviceName, String instanceName, Map<String, String> env) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        server.close();
        ServerConfig cfg = new ServerConfig();
        cfg.address = "unix://" + server.socketPath();
        server = new ApiServer(cfg, dir, slow);
        server.start();

        Thread starter = new Thread(() -> c.startInstance("f", "f1", Map.of()));
        starter.start();
        try {
            assertThat(c.getAvailablePort()).matches("\\d+");
        } finally {
            release.countDown();
            starter.join(10_000);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> !starter.isAlive());
    }
}
