package io.baetyl.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.baetyl.testcloud.OtaPublisher;
import io.baetyl.testcloud.TestCloud;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An APP OTA in docker mode, on the real dockerd with the images of scripts/build-images.sh: the agent runs in its
 * image with the chapter 18 mounts (agent-conf, agent-cert, agent-volumes, agent-log) on the host network (the test
 * cloud listens on 127.0.0.1), and the app's other services are plain containers. Skipped when no docker daemon
 * answers, as the master's docker ITs are.
 */
@Timeout(420)
class AgentDockerIT {
    static final String REGISTRY = System.getProperty("baetyl.it.registry", "baetyl/");
    static final String BASE_IMAGE = System.getProperty("baetyl.it.baseImage", "baetyl-local/debian:bookworm-minbase");

    @TempDir
    Path tmp;
    TestCloud cloud;
    AgentHome baetyl;
    String sfx;

    static Docker docker() {
        return new Docker();
    }

    /** The docker CLI, for looking at what the master did and for cleaning up by label. */
    static final class Docker {
        String run(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("docker"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": " + out);
            }
            return out;
        }

        String idOf(String container) {
            try {
                return run("inspect", "-f", "{{.Id}}", container);
            } catch (IOException | InterruptedException e) {
                return "";
            }
        }

        boolean running(String container) {
            try {
                return run("inspect", "-f", "{{.State.Running}}", container).equals("true");
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        boolean daemon;
        try {
            docker().run("info");
            daemon = true;
        } catch (IOException e) {
            daemon = false;
        }
        assumeTrue(daemon, "docker ITs skipped, no docker daemon (run scripts/build-images.sh)");
        docker().run("image", "inspect", REGISTRY + "baetyl-agent"); // fails clearly: build it with scripts/build-images.sh
        sfx = "it" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        cloud = CloudFixture.start(tmp.resolve("cloud"));
        baetyl = new AgentHome(tmp, cloud, "1s");
        baetyl.write("etc/baetyl/conf.yml", """
                mode: docker
                grace: 3s
                server:
                  address: unix://var/run/baetyl.sock
                  update:
                    allowed: [agent-%s]
                logger:
                  path: var/log/baetyl/baetyl.log
                  level: debug
                """.formatted(sfx));
        baetyl.app(app("v1", "svc-b-conf", false, "  - {name: svc-b-conf, path: var/db/baetyl/svc-b-conf}\n"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (baetyl != null) {
            baetyl.close();
            String ids = docker().run("ps", "-aq", "--filter", "label=baetyl.workdir=" + baetyl.home.toAbsolutePath().normalize());
            if (!ids.isBlank()) {
                List<String> cmd = new ArrayList<>(List.of("rm", "-f"));
                cmd.addAll(List.of(ids.split("\\s+")));
                docker().run(cmd.toArray(String[]::new));
            }
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    private String service(String name, String confVolume) {
        return """
                  - name: %s-%s
                    image: %s
                    replica: 1
                    args: [sleep, infinity]
                    mounts:
                      - {name: %s, path: etc/baetyl, readonly: true}
                """.formatted(name, sfx, BASE_IMAGE, confVolume);
    }

    /** The app: the agent as in the docs' chapter 18 (on the host network here), svc-a and svc-b, and svc-c in v2. */
    private String app(String version, String bConf, boolean withC, String extraVolumes) {
        return "version: " + version + "\nservices:\n"
                + """
                  - name: agent-%s
                    image: %sbaetyl-agent
                    replica: 1
                    network_mode: host
                    mounts:
                      - {name: agent-conf, path: etc/baetyl, readonly: true}
                      - {name: agent-cert, path: var/db/baetyl/cert, readonly: true}
                      - {name: agent-volumes, path: var/db/baetyl/volumes}
                      - {name: agent-log, path: var/log/baetyl}
                """.formatted(sfx, REGISTRY)
                + service("svc-a", "svc-a-conf") + service("svc-b", bConf) + (withC ? service("svc-c", "svc-a-conf") : "")
                + """
                volumes:
                  - {name: agent-conf, path: var/db/baetyl/agent-conf}
                  - {name: agent-cert, path: var/db/baetyl/agent-cert}
                  - {name: agent-volumes, path: var/db/baetyl}
                  - {name: agent-log, path: var/db/baetyl/agent-log}
                  - {name: svc-a-conf, path: var/db/baetyl/svc-a-conf}
                """ + extraVolumes;
    }

    @Test
    void anAppOtaInDockerModeReplacesOnlyTheChangedContainerAndAddsTheNewOne() throws Exception {
        Docker d = docker();
        baetyl.start();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> baetyl.agentLog().contains("connected to the cloud"));
        await().atMost(Duration.ofSeconds(60)).until(() -> !cloud.reports(AgentHome.DEVICE).isEmpty());
        Map<?, ?> sw = (Map<?, ?>) cloud.reports(AgentHome.DEVICE).get(0).get("software");
        assertThat(sw.get("mode")).isEqualTo("docker");
        String agentId = d.idOf("agent-" + sfx);
        String aId = d.idOf("svc-a-" + sfx);
        String bId = d.idOf("svc-b-" + sfx);
        assertThat(List.of(agentId, aId, bId)).doesNotContain("");

        OtaPublisher push = cloud.publisher();
        Path confSrc = tmp.resolve("src/svc-b-conf-v2");
        Files.createDirectories(confSrc);
        Files.writeString(confSrc.resolve("conf.txt"), "b2");
        OtaPublisher.Volume conf = push.volume("svc-b-conf-v2", "var/db/baetyl/svc-b-conf-v2", "v2", confSrc);
        String v2 = app("v2", "svc-b-conf-v2", true, "  - name: svc-b-conf-v2\n    path: var/db/baetyl/svc-b-conf-v2\n"
                + "    meta: {url: '" + conf.url() + "', md5: '" + conf.md5() + "', version: v2}\n");
        Path appSrc = tmp.resolve("src/app-v2");
        Files.createDirectories(appSrc);
        Files.writeString(appSrc.resolve("application.yml"), v2);
        push.pushOta(AgentHome.DEVICE, "APP", "docker-ota-1", "v2", push.volume("app-v2", "var/db/baetyl/app-v2", "v2", appSrc));

        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .until(() -> cloud.otaSteps(AgentHome.DEVICE, "docker-ota-1").contains("UPDATED")
                        || cloud.otaSteps(AgentHome.DEVICE, "docker-ota-1").contains("FAILURE")
                        || cloud.otaSteps(AgentHome.DEVICE, "docker-ota-1").contains("ROLLEDBACK"));
        assertThat(cloud.otaSteps(AgentHome.DEVICE, "docker-ota-1")).containsExactly("RECEIVED", "UPDATING", "UPDATED");
        assertThat(d.idOf("agent-" + sfx)).as("agent unchanged").isEqualTo(agentId);
        assertThat(d.idOf("svc-a-" + sfx)).as("svc-a unchanged").isEqualTo(aId);
        String newB = d.idOf("svc-b-" + sfx);
        assertThat(newB).as("svc-b's volume changed: a new container").isNotEmpty().isNotEqualTo(bId);
        assertThat(d.run("exec", "svc-b-" + sfx, "cat", "/etc/baetyl/conf.txt")).isEqualTo("b2");
        assertThat(d.running("svc-c-" + sfx)).isTrue();
        // Files the agent unpacked are readable by the master and the containers; the old volume is cleaned.
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(baetyl.path("var/db/baetyl/svc-b-conf")));
        assertThat(baetyl.path("var/db/baetyl/svc-b-conf-v2/conf.txt")).hasContent("b2");
        assertThat(baetyl.stop()).isZero();
    }
}
