package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import io.baetyl.sdk.api.MasterApiException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What one service's token may do to the others: dynamic instances of any service, but not another service's
 * supervised replicas, and system/update only when conf.yml grants it. Every step uses an idle service's token,
 * as the user did.
 */
class AuthorizationIT extends MasterITBase {
    static final String APP = """
            services:
              - name: localhub
                image: recorder
                replica: 1
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
              - name: agent
                image: recorder
                replica: 1
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
              - name: dummy
                image: recorder
                replica: 1
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
              - name: runtime
                image: recorder
                replica: 0
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
            volumes:
              - {name: pkg, path: var/db/baetyl/recorder}
            """;

    private void startApp() throws Exception {
        baetyl.app(APP);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "dummy").isEmpty()
                && Files.exists(baetyl.records.resolve("dummy.env")));
    }

    @Test
    void aServiceCannotStopOrReplaceAnotherServicesReplica_theHubKeepsRunning() throws Exception {
        startApp();
        long hub = baetyl.pidOf("localhub");
        try (HttpMasterClient dummy = baetyl.clientAs("dummy")) {
            assertThatThrownBy(() -> dummy.stopInstance("localhub", "localhub"))
                    .isInstanceOf(MasterApiException.class)
                    .hasMessage("[403] service 'dummy' may not stop instance 'localhub' of service 'localhub': it is a "
                            + "supervised replica, only the master and service 'localhub' may stop it");
            assertThatThrownBy(() -> dummy.startInstance("localhub", "localhub", Map.of()))
                    .hasMessageStartingWith("[403] service 'dummy' may not start instance 'localhub' of service 'localhub'");
            // Nothing was touched: the same hub process runs, and inspect shows it running.
            assertThat(MasterHarness.alive(hub)).isTrue();
            assertThat(baetyl.pidOf("localhub")).isEqualTo(hub);
            assertThat(baetyl.events("term", "localhub")).isEmpty();
            assertThat(ApiIT.instance(dummy.inspectSystem(), "localhub", "localhub")).containsEntry("status", "running");
        }
        assertThat(baetyl.output()).contains("api request refused: method=PUT, path=/v1/services/localhub/instances/"
                + "localhub/stop, username=dummy, status=403, reason=service 'dummy' may not stop instance 'localhub'");
    }

    @Test
    void anyServiceMayStartAndStopDynamicInstances() throws Exception {
        startApp();
        try (HttpMasterClient dummy = baetyl.clientAs("dummy")) {
            dummy.startInstance("runtime", "runtime.fn.1", Map.of("BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:1"));
            await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "runtime.fn.1").isEmpty());
            long pid = baetyl.pidOf("runtime.fn.1");
            assertThat(baetyl.envOf("runtime.fn.1")).doesNotContainKey("BAETYL_SERVICE_TOKEN");
            dummy.stopInstance("runtime", "runtime.fn.1");
            await().atMost(MasterHarness.PATIENCE).until(() -> !MasterHarness.alive(pid));
        }
    }

    @Test
    void systemUpdateIsForTheAgentOnly_byDefault() throws Exception {
        startApp();
        String before = Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"));
        baetyl.write("var/db/baetyl/v2/application.yml", APP.replace("replica: 0", "replica: 1"));
        try (HttpMasterClient dummy = baetyl.clientAs("dummy");
             HttpMasterClient hub = baetyl.clientAs("localhub")) {
            for (HttpMasterClient c : new HttpMasterClient[] {dummy, hub}) {
                assertThatThrownBy(() -> c.updateSystem("t1", "APP", "var/db/baetyl/v2"))
                        .hasMessageMatching("\\[403] service '(dummy|localhub)' may not update the system: only "
                                + "services \\[agent] may \\(conf.yml server.update.allowed\\)");
            }
            assertThatThrownBy(() -> dummy.updateSystem("t1", "MST", "var/db/baetyl/v2")).hasMessageStartingWith("[403]");
        }
        assertThat(baetyl.otaLog()).isEmpty();
        assertThat(Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"))).isEqualTo(before);

        try (HttpMasterClient agent = baetyl.clientAs("agent")) {
            agent.updateSystem("t2", "APP", "var/db/baetyl/v2");
        }
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.otaLog().stream()
                .anyMatch(l -> "UPDATED".equals(l.get("step"))));
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "runtime").isEmpty());
    }

    @Test
    void confYmlDecidesWhoMayUpdate() throws Exception {
        baetyl.conf("""
                mode: native
                grace: 2s
                server:
                  address: unix://var/run/baetyl.sock
                  update:
                    allowed: [dummy]
                """);
        startApp();
        baetyl.write("var/db/baetyl/v2/application.yml", APP);
        try (HttpMasterClient dummy = baetyl.clientAs("dummy");
             HttpMasterClient agent = baetyl.clientAs("agent")) {
            assertThatThrownBy(() -> agent.updateSystem("t1", "APP", "var/db/baetyl/v2"))
                    .hasMessage("[403] service 'agent' may not update the system: only services [dummy] may "
                            + "(conf.yml server.update.allowed)");
            dummy.updateSystem("t2", "APP", "var/db/baetyl/v2");
        }
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.otaLog().stream()
                .anyMatch(l -> "UPDATED".equals(l.get("step")) && "t2".equals(l.get("trace"))));
    }

    @Test
    void aReplicaAlwaysComesBackWithItsToken_fromTheSupervisorOrFromItsOwnService() throws Exception {
        startApp();
        long hub = baetyl.pidOf("localhub");
        String token = baetyl.envOf("localhub").get("BAETYL_SERVICE_TOKEN");
        assertThat(token).isNotBlank();

        // The supervisor restarts a crashed replica with the same token.
        new ProcessBuilder("kill", "-9", Long.toString(hub)).start().waitFor();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "localhub").size() == 2);
        await().atMost(MasterHarness.PATIENCE).until(() -> token.equals(baetyl.envOf("localhub").get("BAETYL_SERVICE_TOKEN")));

        // The service itself may stop its replica and start it again; it comes back as the replica, with its token.
        try (HttpMasterClient self = baetyl.clientAs("localhub")) {
            long second = baetyl.pidOf("localhub");
            self.stopInstance("localhub", "localhub");
            await().atMost(MasterHarness.PATIENCE).until(() -> !MasterHarness.alive(second));
            self.startInstance("localhub", "localhub", Map.of("EXTRA", "1"));
        }
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "localhub").size() == 3);
        await().atMost(MasterHarness.PATIENCE).until(() -> "1".equals(baetyl.envOf("localhub").get("EXTRA")));
        assertThat(baetyl.envOf("localhub")).containsEntry("BAETYL_SERVICE_TOKEN", token);
        try (HttpMasterClient self = baetyl.clientAs("localhub")) {
            assertThat(self.getAvailablePort()).matches("\\d+");
        }
    }
}
