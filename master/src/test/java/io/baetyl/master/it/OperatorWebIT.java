package io.baetyl.master.it;

import static io.baetyl.master.it.WebClient.parseMetrics;
import static io.baetyl.master.it.WebClient.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.master.security.PasswordHash;
import io.baetyl.sdk.api.HttpMasterClient;
import io.baetyl.sdk.testing.FreePorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The console and /metrics under the real launcher and master jar: off by default without a trace in the JVM, the
 * metrics parsed by the Prometheus client's own parser, and the console's refusals (wrong logins, a bad
 * application.yml, actions the user may not take, an address in use).
 */
class OperatorWebIT extends MasterITBase {
    static final String APP = """
            services:
              - name: localhub
                image: recorder
                replica: 1
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
              - name: dummy
                image: recorder
                replica: 1
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
            volumes:
              - {name: pkg, path: var/db/baetyl/recorder}
            """;
    /** Cheap to check, so the tests do not wait for slow hashing. */
    static final String ADMIN = PasswordHash.create("admin-secret", PasswordHash.MIN_ITERATIONS);
    static final String VIEWER = PasswordHash.create("viewer-secret", PasswordHash.MIN_ITERATIONS);

    final int consolePort = FreePorts.next();
    final int metricsPort = FreePorts.next();

    private void conf(boolean console, boolean metrics) throws Exception {
        baetyl.conf("""
                mode: native
                grace: 2s
                server:
                  address: unix://var/run/baetyl.sock
                logger:
                  path: var/log/baetyl/baetyl.log
                  level: debug
                console:
                  enabled: %s
                  address: tcp://127.0.0.1:%d
                  users:
                    - {username: admin, password: '%s', restart: [localhub], update: true}
                    - {username: viewer, password: '%s'}
                metrics:
                  enabled: %s
                  address: tcp://127.0.0.1:%d
                """.formatted(console, consolePort, ADMIN, VIEWER, metrics, metricsPort));
        baetyl.app(APP);
    }

    private void startApp() throws Exception {
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> Files.exists(baetyl.records.resolve("dummy.env"))
                && Files.exists(baetyl.records.resolve("localhub.env")));
    }

    @Test
    void offByDefaultTheirClassesAreNotEvenLoaded() throws Exception {
        baetyl.app(APP); // the harness's conf.yml: no console, no metrics keys
        Path classes = tmp.resolve("classes.log");
        baetyl.javaOpts = NativeFootprintIT.launcherDefaults() + " -Xlog:class+load=info:file="
                + classes;
        startApp();
        try (HttpMasterClient dummy = baetyl.clientAs("dummy")) {
            assertThat(dummy.inspectSystem()).containsKey("services"); // the API and inspect ran
        }
        String loaded = Files.readString(classes);
        assertThat(loaded).contains("io.baetyl.master.runtime.Master ").contains("io.baetyl.master.api.ApiServer ");
        assertThat(loaded).doesNotContain("io.baetyl.master.console.", "io.baetyl.master.metrics.",
                "io.baetyl.master.web.", "io.prometheus.", "io.baetyl.master.runtime.Operations");
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void metricsAreParsedByThePrometheusClientAndFollowReportsAndRestarts() throws Exception {
        conf(false, true);
        startApp();
        WebClient web = new WebClient(metricsPort);
        WebClient.Answer first = web.get("/metrics");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.raw().headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        Map<String, Map<String, Object>> m = parseMetrics(first.body());
        assertThat(m.get("baetyl_instance_restarts")).containsEntry("type", "counter");
        assertThat(sample(m, "baetyl_services", "baetyl_services", Map.of())).isEqualTo(2);
        assertThat(sample(m, "baetyl_instance_state", "baetyl_instance_state",
                Map.of("service", "localhub", "instance", "localhub", "baetyl_instance_state", "running"))).isEqualTo(1);
        assertThat(sample(m, "baetyl_instance_restarts", "baetyl_instance_restarts_total",
                Map.of("service", "localhub", "instance", "localhub"))).isZero();
        assertThat(sample(m, "baetyl_ota_steps", "baetyl_ota_steps_total", Map.of("type", "APP", "step", "UPDATED")))
                .isEqualTo(1);
        assertThat(sample(m, "baetyl_host_memory_total_bytes", "baetyl_host_memory_total_bytes", Map.of()))
                .isPositive();

        try (HttpMasterClient hub = baetyl.clientAs("localhub")) {
            hub.reportInstance("localhub", "localhub", Map.of("broker_stats", Map.of("connections", 2,
                    "messages_in_qos0", 5, "messages_in_qos1", 3, "bytes_in", 100, "messages_dropped", 1)));
            Map<String, Map<String, Object>> r1 = parseMetrics(web.get("/metrics").body());
            Map<String, String> hubLabels = Map.of("service", "localhub", "instance", "localhub");
            assertThat(sample(r1, "baetyl_hub_messages_received", "baetyl_hub_messages_received_total",
                    Map.of("service", "localhub", "qos", "0"))).isEqualTo(5);
            assertThat(sample(r1, "baetyl_hub_messages_received", "baetyl_hub_messages_received_total",
                    Map.of("service", "localhub", "qos", "1"))).isEqualTo(3);
            assertThat(sample(r1, "baetyl_hub_received_bytes", "baetyl_hub_received_bytes_total", hubLabels))
                    .isEqualTo(100);
            assertThat(sample(r1, "baetyl_hub_connections", "baetyl_hub_connections", hubLabels)).isEqualTo(2);
            assertThat(sample(r1, "baetyl_hub_messages_dropped", "baetyl_hub_messages_dropped_total",
                    Map.of("service", "localhub", "qos", "0"))).isEqualTo(1);
            hub.reportInstance("localhub", "localhub", Map.of("broker_stats", Map.of("messages_in_qos0", 12)));
            assertThat(sample(parseMetrics(web.get("/metrics").body()), "baetyl_hub_messages_received",
                    "baetyl_hub_messages_received_total", Map.of("service", "localhub", "qos", "0"))).isEqualTo(12);
        }

        // The master restarts a replica that dies: the restart counter moves.
        ProcessHandle.of(baetyl.pidOf("dummy")).orElseThrow().destroyForcibly();
        await().atMost(MasterHarness.PATIENCE).until(() -> sample(parseMetrics(web.get("/metrics").body()),
                "baetyl_instance_restarts", "baetyl_instance_restarts_total",
                Map.of("service", "dummy", "instance", "dummy")) == 1);
        assertThat(web.get("/other").status()).isEqualTo(404);
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void aConsoleAddressInUseStopsTheStartWithAClearError() throws Exception {
        conf(true, false);
        try (ServerSocket taken = new ServerSocket(consolePort, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(baetyl.startExpectingExit()).isEqualTo(1);
        }
        assertThat(baetyl.output()).contains("failed to start master: console.address: cannot listen on tcp://127.0.0.1:"
                + consolePort + ": the address is already in use");
        assertThat(baetyl.events()).as("no service was started").isEmpty();
        assertThat(baetyl.home.resolve("var/run/baetyl.sock")).doesNotExist();
    }

    @Test
    void wrongLoginsAreRefusedWith401ThenRateLimitedWith429() throws Exception {
        conf(true, false);
        startApp();
        WebClient web = new WebClient(consolePort);
        assertThat(web.get("/api/overview").status()).isEqualTo(401);
        for (int i = 0; i < 5; i++) {
            WebClient.Answer a = web.login(i % 2 == 0 ? "admin" : "nobody", "wrong");
            assertThat(a.status()).isEqualTo(401);
            assertThat(a.json()).containsEntry("error", "wrong username or password");
        }
        WebClient.Answer limited = web.login("admin", "admin-secret"); // right, but not even checked now
        assertThat(limited.status()).isEqualTo(429);
        assertThat((String) limited.json().get("error")).startsWith("too many failed logins: retry in ");
        assertThat(limited.raw().headers().firstValue("Retry-After")).isPresent();
        assertThat(baetyl.output()).contains("console login refused: username=admin remote=127.0.0.1");
        assertThat(web.get("/api/overview").status()).isEqualTo(401);
        assertThat(baetyl.master().isAlive()).isTrue();
    }

    @Test
    void anApplicationYmlThatDoesNotParseIsRefusedAndNothingIsApplied() throws Exception {
        conf(true, false);
        startApp();
        long hub = baetyl.pidOf("localhub");
        String before = Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"));
        List<Map<String, Object>> otaBefore = baetyl.otaLog();
        WebClient web = new WebClient(consolePort);
        assertThat(web.login("admin", "admin-secret").status()).isEqualTo(200);

        WebClient.Answer broken = web.post("/api/app", "application/yaml", "services:\n  - name: x\n    image: [\n");
        assertThat(broken.status()).isEqualTo(400);
        assertThat((String) broken.json().get("error")).startsWith("application.yml: ");
        WebClient.Answer badDependency = web.post("/api/app", "application/yaml",
                "services:\n  a:\n    image: recorder\n    depends_on: [missing]\n");
        assertThat(badDependency.status()).isEqualTo(400);
        assertThat((String) badDependency.json().get("error"))
                .contains("services.a.depends_on: service 'missing' does not exist");

        assertThat(Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"))).isEqualTo(before);
        assertThat(baetyl.otaLog()).isEqualTo(otaBefore);
        assertThat(baetyl.pidOf("localhub")).isEqualTo(hub);
        assertThat(MasterHarness.alive(hub)).isTrue();

        // A good one goes the OTA way: queued, applied, logged with the console's trace.
        WebClient.Answer ok = web.post("/api/app", "application/yaml", APP.replace("name: dummy", "name: dummy2"));
        assertThat(ok.status()).isEqualTo(202);
        String trace = (String) ok.json().get("trace");
        assertThat(trace).startsWith("console-").endsWith("-admin");
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.otaLog().stream()
                .anyMatch(l -> trace.equals(l.get("trace")) && "UPDATED".equals(l.get("step"))));
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "dummy2").isEmpty());
        assertThat(baetyl.pidOf("localhub")).as("an unchanged service keeps running").isEqualTo(hub);
    }

    @Test
    void restartsAreAuthorizedPerPrincipalAndNeedTheCsrfToken() throws Exception {
        conf(true, false);
        startApp();
        long hub = baetyl.pidOf("localhub");

        WebClient viewer = new WebClient(consolePort);
        assertThat(viewer.login("viewer", "viewer-secret").status()).isEqualTo(200);
        WebClient.Answer refused = viewer.post("/api/services/localhub/instances/localhub/restart", "application/json", "");
        assertThat(refused.status()).isEqualTo(403);
        assertThat((String) refused.json().get("error"))
                .isEqualTo("user 'viewer' may not restart instances of service 'localhub': conf.yml "
                        + "console.users[].restart does not list it");

        // A service's token gives that service's API rights, not more.
        String dummyToken = baetyl.envOf("dummy").get("BAETYL_SERVICE_TOKEN");
        WebClient dummy = new WebClient(consolePort);
        assertThat(dummy.login("dummy", dummyToken).status()).isEqualTo(200);
        WebClient.Answer notItsOwn = dummy.post("/api/services/localhub/instances/localhub/restart", "application/json", "");
        assertThat(notItsOwn.status()).isEqualTo(403);
        assertThat((String) notItsOwn.json().get("error")).startsWith("service 'dummy' may not start instance 'localhub'");
        assertThat(dummy.get("/api/services/localhub").json().get("log").toString())
                .contains("only the service itself or a configured console user may read its log");
        assertThat(dummy.post("/api/app", "application/yaml", APP).status()).isEqualTo(403);

        WebClient admin = new WebClient(consolePort);
        assertThat(admin.login("admin", "admin-secret").status()).isEqualTo(200);
        String csrf = admin.csrf;
        admin.csrf = null;
        assertThat(admin.post("/api/services/localhub/instances/localhub/restart", "application/json", "").status())
                .as("no CSRF token").isEqualTo(403);
        admin.csrf = csrf;
        assertThat(admin.post("/api/services/dummy/instances/dummy/restart", "application/json", "").status())
                .as("not in the admin's restart list").isEqualTo(403);
        assertThat(MasterHarness.alive(hub)).isTrue();
        assertThat(admin.post("/api/services/localhub/instances/localhub/restart", "application/json", "").status())
                .isEqualTo(200);
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.pidOf("localhub") != hub);
        assertThat(MasterHarness.alive(hub)).isFalse();
        assertThat(baetyl.output()).contains("console: user admin restarts service=localhub instance=localhub");
    }
}
