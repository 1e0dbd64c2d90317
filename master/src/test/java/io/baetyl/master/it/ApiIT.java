package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import io.baetyl.sdk.api.MasterApiException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST API of a running master, over its unix socket, as services use it. */
class ApiIT extends MasterITBase {
    @BeforeEach
    void setUp() throws Exception {
        baetyl.app("""
                services:
                  - name: hub
                    image: recorder
                    replica: 1
                    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
                  - name: runtime
                    image: recorder
                    replica: 0
                    env: {FROM_SERVICE: yes}
                    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                """);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "hub").isEmpty());
    }

    @Test
    void wrongOrMissingTokenIsRejectedWith401() throws Exception {
        try (HttpMasterClient wrong = new HttpMasterClient("unix://" + baetyl.home.resolve("var/run/baetyl.sock"), "hub", "guess");
             HttpMasterClient nobody = new HttpMasterClient("unix://" + baetyl.home.resolve("var/run/baetyl.sock"), "ghost", "")) {
            assertThatThrownBy(wrong::inspectSystem).isInstanceOf(MasterApiException.class)
                    .hasMessage("[401] account unauthorized");
            assertThatThrownBy(nobody::getAvailablePort).hasMessage("[401] account unauthorized");
        }
        try (HttpMasterClient hub = baetyl.clientAs("hub")) {
            assertThat(hub.getAvailablePort()).matches("\\d+");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void inspectDescribesSoftwareHardwareAndInstances() throws Exception {
        try (HttpMasterClient hub = baetyl.clientAs("hub")) {
            Map<String, Object> doc = hub.inspectSystem();
            Map<String, Object> software = (Map<String, Object>) doc.get("software");
            assertThat(software).containsEntry("mode", "native").containsEntry("os", "linux")
                    .containsEntry("pwd", baetyl.home.toString()).containsKeys("bin_version", "git_revision");
            Map<String, Object> hardware = (Map<String, Object>) doc.get("hardware");
            assertThat(hardware).containsKeys("host_stats", "mem_stats", "cpu_stats", "disk_stats", "net_stats");
            assertThat(((Number) ((Map<String, Object>) hardware.get("mem_stats")).get("total")).longValue()).isPositive();
            List<Map<String, Object>> services = (List<Map<String, Object>>) doc.get("services");
            assertThat(services).extracting(s -> s.get("name")).containsExactly("hub", "runtime");
            Map<String, Object> inst = ((List<Map<String, Object>>) services.get(0).get("instances")).get(0);
            assertThat(inst).containsEntry("name", "hub").containsEntry("status", "running").containsKeys("start_time", "mem_stats");
            assertThat(((Number) ((Map<String, Object>) inst.get("process")).get("id")).longValue()).isEqualTo(baetyl.pidOf("hub"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void reportsAreShallowMergedIntoTheInstance() throws Exception {
        try (HttpMasterClient hub = baetyl.clientAs("hub")) {
            hub.reportInstance("hub", "hub", Map.of("broker_stats", Map.of("a", 1, "b", 2), "rule_count", 3));
            hub.reportInstance("hub", "hub", Map.of("broker_stats", Map.of("a", 5)));
            Map<String, Object> inst = instance(hub.inspectSystem(), "hub", "hub");
            assertThat(inst).containsEntry("rule_count", 3).containsEntry("broker_stats", Map.of("a", 5));
            assertThatThrownBy(() -> hub.reportInstance("hub", "nope", Map.of("x", 1)))
                    .hasMessage("[400] instance (nope) of service (hub) not found");
            assertThatThrownBy(() -> hub.reportInstance("nope", "nope", Map.of("x", 1)))
                    .hasMessage("[403] service 'hub' may not report for service 'nope': a service reports only its own instances");
        }
    }

    @Test
    void dynamicInstancesGetTheirEnvButNoToken() throws Exception {
        try (HttpMasterClient hub = baetyl.clientAs("hub")) {
            hub.startInstance("runtime", "runtime.sayhi.1", Map.of("BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:50099"));
            await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "runtime.sayhi.1").isEmpty());
            Map<String, String> env = baetyl.envOf("runtime.sayhi.1");
            assertThat(env).containsEntry("BAETYL_SERVICE_INSTANCE_ADDRESS", "127.0.0.1:50099")
                    .containsEntry("BAETYL_SERVICE_INSTANCE_NAME", "runtime.sayhi.1")
                    .containsEntry("BAETYL_SERVICE_NAME", "runtime")
                    .containsEntry("FROM_SERVICE", "yes")
                    .doesNotContainKeys("BAETYL_SERVICE_TOKEN", "OPENEDGE_SERVICE_TOKEN");
            long pid = baetyl.pidOf("runtime.sayhi.1");
            assertThat(instance(hub.inspectSystem(), "runtime", "runtime.sayhi.1")).containsEntry("status", "running");

            hub.stopInstance("runtime", "runtime.sayhi.1");
            await().atMost(MasterHarness.PATIENCE).until(() -> !MasterHarness.alive(pid));
            assertThat(instance(hub.inspectSystem(), "runtime", "runtime.sayhi.1")).isNull();
            assertThatThrownBy(() -> hub.startInstance("ghost", "ghost.1", Map.of()))
                    .hasMessage("[400] service (ghost) not found");
        }
    }

    @Test
    void availablePortIsFree() throws Exception {
        try (HttpMasterClient hub = baetyl.clientAs("hub")) {
            int port = Integer.parseInt(hub.getAvailablePort());
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> instance(Map<String, Object> doc, String service, String instance) {
        for (Map<String, Object> s : (List<Map<String, Object>>) doc.get("services")) {
            if (s.get("name").equals(service)) {
                for (Map<String, Object> i : (List<Map<String, Object>>) s.get("instances")) {
                    if (instance.equals(i.get("name"))) {
                        return i;
                    }
                }
            }
        }
        return null;
    }
}
