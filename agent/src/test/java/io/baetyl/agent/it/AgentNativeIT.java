package io.baetyl.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.testcloud.OtaPublisher;
import io.baetyl.testcloud.TestCloud;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent under the real master in native mode, against the test cloud (Mosquitto with two-way TLS and the
 * HTTPS report/volume server): reports, APP OTA with volume downloads and cleaning, rollback, bad input.
 */
@Timeout(240)
class AgentNativeIT {
    static final String DEV = AgentHome.DEVICE;
    static final Duration OTA_WAIT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;
    TestCloud cloud;
    AgentHome baetyl;
    OtaPublisher push;

    @BeforeEach
    void setUp() throws Exception {
        cloud = CloudFixture.start(tmp.resolve("cloud"));
        push = cloud.publisher();
        baetyl = new AgentHome(tmp, cloud, "1s");
    }

    @AfterEach
    void tearDown() {
        if (baetyl != null) {
            baetyl.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    private void startAndAwaitCloudConnection() throws Exception {
        baetyl.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> baetyl.agentLog().contains("connected to the cloud"));
    }

    private Path dir(String name, Map<String, String> files) throws Exception {
        Path d = tmp.resolve("src").resolve(name);
        for (var f : files.entrySet()) {
            Path p = d.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        return d;
    }

    private List<String> steps(String trace) throws Exception {
        return cloud.otaSteps(DEV, trace);
    }

    private Map<String, Object> last(String trace) throws Exception {
        List<Map<String, Object>> r = cloud.ota(DEV, trace);
        return r.get(r.size() - 1);
    }

    @Test
    void aReportArrivesEncryptedAndDecryptsToTheMastersInspectAndAFailedReportIsRetried() throws Exception {
        cloud.stopHttps();
        startAndAwaitCloudConnection();
        await().atMost(Duration.ofSeconds(30)).until(() -> baetyl.agentLog().contains("failed to report stats by https"));
        assertThat(cloud.reports(DEV)).isEmpty();

        cloud.startHttps();
        await().atMost(Duration.ofSeconds(30)).until(() -> !cloud.reports(DEV).isEmpty());
        Map<String, Object> r = cloud.reports(DEV).get(0);
        assertThat(r).containsKeys("time", "software", "hardware", "services");
        assertThat((Map<String, Object>) r.get("software")).containsEntry("mode", "native").containsEntry("conf_version", "v1");
        assertThat((List<Map<String, Object>>) r.get("services")).extracting(s -> s.get("name"))
                .contains("agent", "svc-a", "svc-b");
        await().atMost(Duration.ofSeconds(60)).until(() -> baetyl.agentLog().contains("reporting to the cloud works again"));
        // ...and goes on every interval.
        int seen = cloud.reports(DEV).size();
        await().atMost(Duration.ofSeconds(30)).until(() -> cloud.reports(DEV).size() >= seen + 2);
    }

    @Test
    void anAppOtaAddsAServiceChangesAConfigVolumeRestartsOnlyTheChangedServiceAndCleansOldVolumes() throws Exception {
        startAndAwaitCloudConnection();
        await().atMost(Duration.ofSeconds(30)).until(() -> baetyl.starts("svc-b").size() == 1 && baetyl.starts("svc-a").size() == 1);
        long agentPid = baetyl.pidOf("agent");
        assertThat(baetyl.conf("svc-b")).isEqualTo("b1");

        OtaPublisher.Volume conf = push.volume("svc-b-conf-v2", "var/db/baetyl/svc-b-conf-v2", "v2",
                dir("svc-b-conf-v2", Map.of("conf.txt", "b2")));
        String app = "version: v2\nservices:\n" + AgentHome.AGENT_SERVICE + AgentHome.recorder("svc-a", "svc-a-conf")
                + AgentHome.recorder("svc-b", "svc-b-conf-v2") + AgentHome.recorder("svc-c", "svc-a-conf")
                + "volumes:\n" + AgentHome.AGENT_VOLUMES
                + "  - {name: svc-a-conf, path: var/db/baetyl/svc-a-conf}\n"
                + "  - name: svc-b-conf-v2\n    path: var/db/baetyl/svc-b-conf-v2\n    meta:\n"
                + "      url: " + conf.url() + "\n      md5: " + conf.md5() + "\n      version: v2\n";
        OtaPublisher.Volume appVolume = push.volume("app-v2", "var/db/baetyl/app-v2", "v2",
                dir("app-v2", Map.of("application.yml", app)));
        push.pushOta(DEV, "APP", "ota-app-1", "v2", appVolume);

        await().atMost(OTA_WAIT).until(() -> steps("ota-app-1").contains("UPDATED"));
        assertThat(steps("ota-app-1")).containsExactly("RECEIVED", "UPDATING", "UPDATED");
        assertThat(baetyl.starts("svc-c")).hasSize(1);
        assertThat(baetyl.starts("svc-b")).as("svc-b's config volume changed").hasSize(2);
        assertThat(baetyl.conf("svc-b")).isEqualTo("b2");
        assertThat(baetyl.starts("svc-a")).as("svc-a unchanged, kept running").hasSize(1);
        assertThat(baetyl.pidOf("agent")).as("the agent unchanged, kept running").isEqualTo(agentPid);
        assertThat(baetyl.appFile()).isEqualTo(app);

        // Volumes no longer referenced are removed; everything in use stays.
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(baetyl.path("var/db/baetyl/svc-b-conf")));
        assertThat(baetyl.path("var/db/baetyl/app-v2")).doesNotExist();
        for (String kept : List.of("svc-b-conf-v2/conf.txt", "svc-a-conf/conf.txt", "agent-conf/service.yml",
                "agent-cert/client.pem", "baetyl-agent/package.yml", "recorder/package.yml", "application.yml")) {
            assertThat(baetyl.path("var/db/baetyl/" + kept)).exists();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(baetyl.path("var/db/baetyl/ota.log")));
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void anAppThatCannotStartIsRolledBackByTheMasterAndReportedAsRolledBack() throws Exception {
        startAndAwaitCloudConnection();
        String before = baetyl.appFile();
        String bad = "version: v3\nservices:\n" + AgentHome.AGENT_SERVICE + AgentHome.recorder("svc-a", "svc-a-conf")
                // passes the master's checks, so the update is applied, and cannot start: its config volume's
                // directory cannot be made, because a regular file is in the way on the host
                + AgentHome.recorder("svc-broken", "broken-conf")
                + "volumes:\n" + AgentHome.AGENT_VOLUMES + "  - {name: svc-a-conf, path: var/db/baetyl/svc-a-conf}\n"
                + "  - {name: broken-conf, path: var/db/baetyl/blocked/conf}\n";
        baetyl.write("var/db/baetyl/blocked", "a file where the volume needs a directory\n");
        push.pushOta(DEV, "APP", "ota-bad-app", "v3", push.volume("app-v3", "var/db/baetyl/app-v3", "v3",
                dir("app-v3", Map.of("application.yml", bad))));

        await().atMost(OTA_WAIT).until(() -> steps("ota-bad-app").contains("ROLLEDBACK"));
        assertThat(steps("ota-bad-app")).containsExactly("RECEIVED", "UPDATING", "ROLLINGBACK", "ROLLEDBACK");
        assertThat((String) last("ota-bad-app").get("error")).contains("failed to start app");
        assertThat(baetyl.appFile()).isEqualTo(before);
        assertThat(baetyl.starts("svc-a")).hasSize(1);
        // Nothing cleaned after a rollback.
        assertThat(baetyl.path("var/db/baetyl/svc-b-conf")).exists();
        // The cloud still gets reports with the old app's version.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<Map<String, Object>> r = cloud.reports(DEV);
            return "v1".equals(((Map<?, ?>) r.get(r.size() - 1).get("software")).get("conf_version"));
        });
    }

    @Test
    void badOrdersFailCleanlyAndLeaveTheAppAsItWas() throws Exception {
        startAndAwaitCloudConnection();
        String before = baetyl.appFile();
        Path app = dir("app-x", Map.of("application.yml", before));

        // Not OTA orders: logged, acknowledged, and the agent goes on.
        push.publish(DEV, "{not json".getBytes(StandardCharsets.UTF_8));
        push.publish(DEV, "{\"event\":\"REBOOT\",\"content\":{}}".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(20)).until(() -> baetyl.agentLog().contains("event type (REBOOT) unexpected"));
        assertThat(baetyl.agentLog()).contains("desire message ignored").contains("event invalid");

        // A download whose MD5 differs.
        OtaPublisher.Volume v = push.volume("app-md5", "var/db/baetyl/app-md5", "v9", app);
        push.pushOta(DEV, "APP", "bad-md5", "v9", v.withMd5("AAAAAAAAAAAAAAAAAAAAAA=="));
        await().atMost(OTA_WAIT).until(() -> steps("bad-md5").contains("FAILURE"));
        assertThat(steps("bad-md5")).containsExactly("RECEIVED", "FAILURE");
        assertThat((String) last("bad-md5").get("error")).contains("MD5 of volume (app-md5) invalid");
        assertThat(baetyl.path("var/db/baetyl/app-md5")).doesNotExist();

        // A zip with ../ entries.
        Path slip = tmp.resolve("slip.zip");
        OtaPublisher.rawZip(slip, List.of(Map.entry("application.yml", before.getBytes(StandardCharsets.UTF_8)),
                Map.entry("../../../../../zipslip.txt", "pwned".getBytes(StandardCharsets.UTF_8))));
        push.pushOta(DEV, "APP", "zip-slip", "v9", push.volume("app-slip", "var/db/baetyl/app-slip", "v9", slip));
        await().atMost(OTA_WAIT).until(() -> steps("zip-slip").contains("FAILURE"));
        assertThat((String) last("zip-slip").get("error")).contains("'../../../../../zipslip.txt' points outside the volume");
        assertThat(baetyl.path("var/db/baetyl/app-slip")).doesNotExist();
        try (var walk = Files.walk(tmp)) {
            assertThat(walk.filter(p -> p.getFileName().toString().equals("zipslip.txt")).toList()).isEmpty();
        }

        // A volume path outside var/db/baetyl.
        OtaPublisher.Volume out = push.volume("app-out", "var/db/other/app-out", "v9", app);
        push.pushOta(DEV, "APP", "outside", "v9", out);
        await().atMost(OTA_WAIT).until(() -> steps("outside").contains("FAILURE"));
        assertThat((String) last("outside").get("error")).contains("'var/db/other/app-out' is not inside var/db/baetyl");
        assertThat(baetyl.path("var/db/other")).doesNotExist();

        // An unreachable cloud: retried, then reported.
        int closed = io.baetyl.sdk.testing.FreePorts.next();
        OtaPublisher.Volume gone = new OtaPublisher.Volume("app-gone", "var/db/baetyl/app-gone",
                "https://127.0.0.1:" + closed + "/volumes/app-gone.zip", v.md5(), "v9");
        push.pushOta(DEV, "APP", "unreachable", "v9", gone);
        await().atMost(OTA_WAIT).until(() -> steps("unreachable").contains("FAILURE"));
        assertThat((String) last("unreachable").get("error")).contains("after 3 attempts");
        assertThat(baetyl.agentLog()).contains("download of volume (app-gone) failed (attempt 2/3)");

        // Through all of it: the app untouched, nothing restarted.
        assertThat(baetyl.appFile()).isEqualTo(before);
        assertThat(baetyl.starts("svc-a")).hasSize(1);
        assertThat(baetyl.starts("svc-b")).hasSize(1);
        assertThat(baetyl.output()).doesNotContain("path=/v1/system/update");
    }
}
