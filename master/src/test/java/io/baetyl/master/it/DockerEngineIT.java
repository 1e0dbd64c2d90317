package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Device;
import io.baetyl.sdk.api.HttpMasterClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker engine against a real dockerd, on small apps of shell containers (the base image of
 * scripts/build-images.sh): what docker inspect shows of a service's settings, OTA keeping unchanged containers,
 * recovery after kill -9, dynamic instances through the API, and the API-version check.
 */
@Timeout(180)
class DockerEngineIT {
    /** Runs until SIGTERM and exits 0 at once, so that stops do not wait for the grace period. */
    private static final String IDLE = "[sh, -c, \"trap 'exit 0' TERM; while :; do sleep 1; done\"]";

    @TempDir
    Path tmp;
    MasterHarness baetyl;
    DockerSupport docker;
    String a;
    String b;

    @BeforeEach
    void setUp() throws Exception {
        docker = DockerSupport.requireDocker();
        baetyl = new MasterHarness(tmp);
        DockerSupport.dockerConf(baetyl, "");
        String suffix = DockerSupport.uniqueSuffix();
        a = "a-" + suffix;
        b = "b-" + suffix;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (baetyl != null) {
            baetyl.close();
        }
        if (docker != null) {
            docker.removeContainersOf(baetyl);
            docker.close();
        }
    }

    private String twoServices(String bCommand) {
        return """
                version: "3"
                services:
                  %s:
                    image: %s
                    replica: 1
                    command: %s
                    volumes: ["var/db/baetyl/a-data:/var/db/baetyl/data"]
                  %s:
                    image: %s
                    replica: 2
                    command: %s
                    depends_on: [%s]
                """.formatted(a, DockerSupport.BASE_IMAGE, IDLE, b, DockerSupport.BASE_IMAGE, bCommand, a);
    }

    private HttpMasterClient clientAs(String service) {
        String token = DockerSupport.env(docker.inspect(service).orElseThrow()).get("BAETYL_SERVICE_TOKEN");
        return new HttpMasterClient("unix://" + baetyl.home.resolve("var/run/baetyl.sock"), service, token);
    }

    @Test
    void dockerInspectShowsRestartPolicyNoResourcesLabelsBindsAndOnlyTheInstanceEnv() throws Exception {
        int port = DockerSupport.freePort();
        baetyl.app("""
                version: "3"
                services:
                  %s:
                    image: %s
                    replica: 1
                    command: %s
                    restart: {policy: always}
                    ports: ["127.0.0.1:%d:1883"]
                    devices: ["/dev/null:/dev/baetyl-null"]
                    environment: {GREETING: hello}
                    volumes:
                      - var/db/baetyl/conf:/etc/baetyl:ro
                      - ./var/db/baetyl/a-data/../scratch:/data
                    resources:
                      cpu: {cpus: 0.5, setcpus: "0"}
                      memory: {limit: 64m, swap: 128m}
                      pids: {limit: 50}
                """.formatted(a, DockerSupport.BASE_IMAGE, IDLE, port));
        baetyl.start();
        InspectContainerResponse c = docker.inspect(a).orElseThrow();
        var host = c.getHostConfig();
        // The master supervises (policy always lives in the master), so docker must never restart on its own.
        assertThat(host.getRestartPolicy().getName()).isEqualTo("no");
        assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
        assertThat(host.getCpusetCpus()).isEqualTo("0");
        assertThat(host.getMemory()).isEqualTo(64L * 1024 * 1024);
        assertThat(host.getMemorySwap()).isEqualTo(128L * 1024 * 1024);
        assertThat(host.getPidsLimit()).isEqualTo(50L);
        assertThat(host.getNetworkMode()).isEqualTo("baetyl");
        assertThat(host.getDevices()).extracting(Device::getPathOnHost, Device::getPathInContainer, Device::getcGroupPermissions)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/dev/null", "/dev/baetyl-null", "mrw"));
        assertThat(host.getPortBindings().getBindings().values().iterator().next()[0].getHostPortSpec()).isEqualTo(String.valueOf(port));
        String home = baetyl.home.toAbsolutePath().normalize().toString();
        assertThat(List.of(host.getBinds())).extracting(Object::toString).containsExactlyInAnyOrder(
                home + "/var/db/baetyl/conf:/etc/baetyl:ro",
                home + "/var/db/baetyl/scratch:/data:rw", // resolved inside the working dir
                home + "/var/run/baetyl.sock:/var/run/baetyl.sock:ro");
        assertThat(c.getName()).isEqualTo("/" + a);
        assertThat(c.getConfig().getLabels()).containsEntry("baetyl", "baetyl").containsEntry("service", a)
                .containsEntry("baetyl.workdir", home);
        Map<String, String> env = DockerSupport.env(c);
        assertThat(env).containsEntry("GREETING", "hello").containsEntry("BAETYL_SERVICE_NAME", a)
                .containsEntry("BAETYL_SERVICE_INSTANCE_NAME", a)
                .containsEntry("BAETYL_MASTER_API_ADDRESS", "unix:///var/run/baetyl.sock")
                .containsEntry("OPENEDGE_MASTER_API", "unix:///var/run/baetyl.sock")
                .doesNotContainKey("RECORD_DIR");

        // Stats from the docker stats API, through the master's inspect.
        try (HttpMasterClient client = clientAs(a)) {
            await().atMost(MasterHarness.PATIENCE).untilAsserted(() -> {
                Map<String, Object> inspect = client.inspectSystem();
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> services = (List<Map<String, Object>>) inspect.get("services");
                @SuppressWarnings("unchecked")
                Map<String, Object> inst = ((List<Map<String, Object>>) services.get(0).get("instances")).get(0);
                assertThat(inst).containsKeys("cpu_stats", "mem_stats");
                assertThat(((Map<?, ?>) inst.get("mem_stats")).get("total")).isEqualTo(64 * 1024 * 1024);
                assertThat(((Map<?, ?>) inst.get("container")).get("name")).isEqualTo(a);
            });
        }
        assertThat(baetyl.stop()).isZero();
        assertThat(docker.containersOf(baetyl)).isEmpty();
    }

    @Test
    void otaReplacesOnlyTheContainersOfChangedServices() throws Exception {
        baetyl.conf("mode: docker\ngrace: 2s\nserver:\n  address: unix://var/run/baetyl.sock\n  update: {allowed: [" + a
                + "]}\nlogger: {path: var/log/baetyl/baetyl.log, level: debug}\n"); // service a calls system/update
        baetyl.app(twoServices(IDLE));
        baetyl.start();
        Map<String, String> before = docker.idsByName(baetyl);
        assertThat(before).containsOnlyKeys(a, b, b + ".i1");

        String changed = "[sh, -c, \"trap 'exit 0' TERM; while :; do sleep 2; done\"]";
        baetyl.write("ota/application.yml", twoServices(changed));
        try (HttpMasterClient client = clientAs(a)) {
            client.updateSystem("trace-1", "APP", baetyl.home.resolve("ota").toString());
        }
        await().atMost(MasterHarness.PATIENCE).until(() -> {
            Map<String, String> now = docker.idsByName(baetyl);
            return now.keySet().equals(before.keySet()) && !now.get(b).equals(before.get(b))
                    && !now.get(b + ".i1").equals(before.get(b + ".i1"));
        });
        assertThat(docker.idsByName(baetyl).get(a)).as("unchanged service keeps its container").isEqualTo(before.get(a));
        assertThat(docker.running(b)).isTrue();
        assertThat(docker.inspect(before.get(b))).as("old container of the changed service removed").isEmpty();
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void aMasterKilledWithSigkillLeavesNoStrayContainersAfterTheNextStart() throws Exception {
        // A container of another install (another working dir) that recovery must leave alone.
        String strangerName = "stranger-" + a;
        String stranger = docker.docker.createContainerCmd(DockerSupport.BASE_IMAGE).withName(strangerName)
                .withCmd("sleep", "120").withLabels(Map.of("baetyl", "baetyl", "baetyl.workdir", "/elsewhere")).exec().getId();
        try {
            docker.docker.startContainerCmd(stranger).exec();
            baetyl.app(twoServices(IDLE));
            baetyl.start();
            Map<String, String> before = docker.idsByName(baetyl);
            assertThat(before).hasSize(3);

            baetyl.master().destroyForcibly().waitFor();
            assertThat(docker.running(a)).as("kill -9 leaves the containers running").isTrue();

            baetyl.start();
            await().atMost(MasterHarness.PATIENCE).until(() -> {
                Map<String, String> now = docker.idsByName(baetyl);
                return now.size() == 3 && before.values().stream().noneMatch(now::containsValue)
                        && docker.containersOf(baetyl).stream().allMatch(c -> "running".equals(c.getState()));
            });
            assertThat(baetyl.output()).contains("removing orphan container name=" + a);
            assertThat(docker.running(strangerName)).as("another install's container").isTrue();

            assertThat(baetyl.stop()).isZero();
            assertThat(docker.containersOf(baetyl)).isEmpty();
        } finally {
            docker.docker.removeContainerCmd(stranger).withForce(true).exec();
        }
    }

    @Test
    void dynamicInstancesAreContainersStartedAndStoppedThroughTheApi() throws Exception {
        String fn = "fn-" + a;
        baetyl.app("""
                version: "3"
                services:
                  %s:
                    image: %s
                    replica: 1
                    command: %s
                  %s:
                    image: %s
                    replica: 0
                    command: %s
                """.formatted(a, DockerSupport.BASE_IMAGE, IDLE, fn, DockerSupport.BASE_IMAGE, IDLE));
        baetyl.start();
        String instance = fn + ".hello.0";
        try (HttpMasterClient client = clientAs(a)) {
            client.startInstance(fn, instance, Map.of("BAETYL_SERVICE_INSTANCE_ADDRESS", "0.0.0.0:50051"));
            await().atMost(MasterHarness.PATIENCE).until(() -> docker.running(instance));
            InspectContainerResponse c = docker.inspect(instance).orElseThrow();
            assertThat(c.getConfig().getLabels()).containsEntry("service", fn);
            assertThat(c.getHostConfig().getNetworkMode()).isEqualTo("baetyl");
            assertThat(DockerSupport.env(c)).containsEntry("BAETYL_SERVICE_INSTANCE_ADDRESS", "0.0.0.0:50051")
                    .containsEntry("BAETYL_SERVICE_INSTANCE_NAME", instance)
                    .doesNotContainKey("BAETYL_SERVICE_TOKEN");
            // Reachable by name on the baetyl network, as the function manager dials it.
            assertThat(exec(a, "getent", "hosts", instance)).contains(instance);

            client.stopInstance(fn, instance);
            await().atMost(MasterHarness.PATIENCE).until(() -> docker.inspect(instance).isEmpty());
        }
        assertThat(baetyl.stop()).isZero();
        assertThat(docker.containersOf(baetyl)).isEmpty();
    }

    @Test
    void userNetworksAndNamedVolumesAreCreatedLabelledAndUsed() throws Exception {
        String net = "net-" + a;
        String vol = "vol-" + a;
        baetyl.app("""
                version: "3"
                services:
                  %s:
                    image: %s
                    replica: 1
                    command: %s
                    networks:
                      %s:
                        aliases: [alias-%s]
                    volumes: ["%s:/data"]
                volumes:
                  %s: {driver: local}
                networks:
                  %s: {driver: bridge}
                """.formatted(a, DockerSupport.BASE_IMAGE, IDLE, net, a, vol, vol, net));
        try {
            baetyl.start();
            assertThat(docker.docker.inspectNetworkCmd().withNetworkId(net).exec().getLabels()).containsEntry("baetyl", "baetyl");
            assertThat(docker.docker.inspectVolumeCmd(vol).exec().getLabels()).containsEntry("baetyl", "baetyl");
            InspectContainerResponse c = docker.inspect(a).orElseThrow();
            assertThat(c.getHostConfig().getNetworkMode()).isEqualTo(net);
            assertThat(c.getNetworkSettings().getNetworks().get(net).getAliases()).contains("alias-" + a);
            assertThat(List.of(c.getHostConfig().getBinds())).extracting(Object::toString).contains(vol + ":/data:rw");
            assertThat(baetyl.stop()).isZero();
        } finally {
            docker.removeContainersOf(baetyl);
            try {
                docker.docker.removeNetworkCmd(net).exec();
            } catch (RuntimeException e) {
                // not created
            }
            try {
                docker.docker.removeVolumeCmd(vol).exec();
            } catch (RuntimeException e) {
                // not created
            }
        }
    }

    @Test
    void withTheApiOnTcpContainersReachItAsHostDockerInternal() throws Exception {
        // Listen on the docker0 bridge address only: host-gateway, which host.docker.internal maps to, is that address.
        String gateway = java.util.Collections.list(java.net.NetworkInterface.getByName("docker0").getInetAddresses()).stream()
                .filter(ip -> ip instanceof java.net.Inet4Address).findFirst().orElseThrow().getHostAddress();
        int port = DockerSupport.freePort();
        baetyl.conf("""
                mode: docker
                grace: 2s
                server:
                  address: tcp://%s:%d
                logger:
                  path: var/log/baetyl/baetyl.log
                  level: debug
                """.formatted(gateway, port));
        baetyl.app("""
                version: "3"
                services:
                  %s:
                    image: %s
                    replica: 1
                    command: %s
                """.formatted(a, DockerSupport.BASE_IMAGE, IDLE));
        baetyl.start();
        InspectContainerResponse c = docker.inspect(a).orElseThrow();
        assertThat(DockerSupport.env(c)).containsEntry("BAETYL_MASTER_API_ADDRESS", "tcp://host.docker.internal:" + port);
        assertThat(List.of(c.getHostConfig().getBinds())).extracting(Object::toString).noneMatch(bind -> bind.contains("baetyl.sock"));
        // An HTTP request without credentials from inside the container: the master answers 401.
        String reply = exec(a, "bash", "-c", "exec 3<>/dev/tcp/host.docker.internal/" + port
                + " && printf 'GET /v1/ports/available HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -1 <&3");
        assertThat(reply).startsWith("HTTP/1.1 401");
        assertThat(baetyl.stop()).isZero();
    }

    private String exec(String container, String... cmd) throws InterruptedException {
        var exec = docker.docker.execCreateCmd(container).withCmd(cmd).withAttachStdout(true).withAttachStderr(true).exec();
        var out = new java.io.ByteArrayOutputStream();
        docker.docker.execStartCmd(exec.getId()).exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<com.github.dockerjava.api.model.Frame>() {
            @Override
            public void onNext(com.github.dockerjava.api.model.Frame f) {
                out.writeBytes(f.getPayload());
            }
        }).awaitCompletion(30, java.util.concurrent.TimeUnit.SECONDS);
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void anApiVersionNewerThanTheDaemonsIsAClearError() throws Exception {
        DockerSupport.dockerConf(baetyl, "docker:\n  api_version: \"1.99\"\n");
        baetyl.app("""
                version: "3"
                services:
                  %s:
                    image: %s
                    command: %s
                """.formatted(a, DockerSupport.BASE_IMAGE, IDLE));
        assertThat(baetyl.startExpectingExit()).isNotZero();
        assertThat(baetyl.output()).contains("older than docker.api_version 1.99").contains("unix:///var/run/docker.sock");
    }
}
