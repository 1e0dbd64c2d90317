package io.baetyl.agent.it;

import static org.awaitility.Awaitility.await;

import io.baetyl.testcloud.OtaPublisher;
import io.baetyl.testcloud.TestCloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, run by hand, never in the suite: how long an APP OTA of a 10 MB volume takes, from the cloud's
 * publish of the event to the cloud holding the report that says UPDATED (download, MD5, unzip, master update,
 * the OTA log's 1 s poll, the report). Five OTAs in a row on one install, each with a new 10 MB config volume
 * (random bytes, so the zip does not shrink it). Results go to target/it-logs/ota-bench.txt and stdout.
 *
 * <pre>mvn -pl agent -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=AgentOtaBenchIT -Dfailsafe.failIfNoSpecifiedTests=false -Dbaetyl.bench=true</pre>
 */
@EnabledIfSystemProperty(named = "baetyl.bench", matches = "true")
@Timeout(900)
class AgentOtaBenchIT {
    static final int RUNS = 5;
    static final int MB = 10;

    @TempDir
    Path tmp;

    @Test
    void appOtaOfATenMegabyteVolume() throws Exception {
        List<Long> millis = new ArrayList<>();
        try (TestCloud cloud = CloudFixture.start(tmp.resolve("cloud"));
             AgentHome baetyl = new AgentHome(tmp, cloud, "20s")) {
            baetyl.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> baetyl.agentLog().contains("connected to the cloud"));
            OtaPublisher push = cloud.publisher();
            Random random = new Random(42);
            for (int i = 1; i <= RUNS; i++) {
                String v = "v" + (i + 1);
                Path data = tmp.resolve("src/data-" + v);
                Files.createDirectories(data);
                byte[] blob = new byte[MB << 20];
                random.nextBytes(blob);
                Files.write(data.resolve("model.bin"), blob);
                OtaPublisher.Volume vol = push.volume("data-" + v, "var/db/baetyl/data-" + v, v, data);
                String app = "version: " + v + "\nservices:\n" + AgentHome.AGENT_SERVICE
                        + AgentHome.recorder("svc-a", "svc-a-conf") + AgentHome.recorder("svc-b", "data-" + v)
                        + "volumes:\n" + AgentHome.AGENT_VOLUMES
                        + "  - {name: svc-a-conf, path: var/db/baetyl/svc-a-conf}\n"
                        + "  - name: data-" + v + "\n    path: var/db/baetyl/data-" + v + "\n    meta:\n"
                        + "      url: " + vol.url() + "\n      md5: " + vol.md5() + "\n      version: " + v + "\n";
                Path appDir = tmp.resolve("src/app-" + v);
                Files.createDirectories(appDir);
                Files.writeString(appDir.resolve("application.yml"), app);
                OtaPublisher.Volume appVol = push.volume("app-" + v, "var/db/baetyl/app-" + v, v, appDir);
                String trace = "bench-" + v;
                long t0 = System.nanoTime();
                push.pushOta(AgentHome.DEVICE, "APP", trace, v, appVol);
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                        .until(() -> cloud.otaSteps(AgentHome.DEVICE, trace).contains("UPDATED")
                                || cloud.otaSteps(AgentHome.DEVICE, trace).contains("FAILURE")
                                || cloud.otaSteps(AgentHome.DEVICE, trace).contains("ROLLEDBACK"));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (!cloud.otaSteps(AgentHome.DEVICE, trace).contains("UPDATED")) {
                    throw new AssertionError(trace + " ended as " + cloud.otaSteps(AgentHome.DEVICE, trace));
                }
                millis.add(ms);
                // The next OTA starts once this one's log is gone (the agent has finished with it).
                await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(baetyl.path("var/db/baetyl/ota.log")));
            }
            baetyl.stop();
        }
        List<Long> sorted = new ArrayList<>(millis);
        sorted.sort(null);
        String result = "APP OTA of a " + MB + " MB volume, publish to UPDATED at the cloud, ms: " + millis
                + " median " + sorted.get(sorted.size() / 2) + " max " + sorted.get(sorted.size() - 1);
        System.out.println(result);
        Path out = Path.of(System.getProperty("baetyl.itLogs", "target/it-logs"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("ota-bench.txt"), result + "\n");
    }
}
