package io.baetyl.master.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.master.api.ApiException;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** App updates, rollback, stop order and the update queue, against a fake engine: no processes, no waiting. */
@Timeout(20)
class OtaTest {
    private static final String V1 = """
            version: v1
            services:
              - {name: hub, image: hub, replica: 1}
              - {name: fm, image: fm, replica: 1}
              - {name: timer, image: timer, replica: 1}
            """;

    @TempDir
    Path work;

    private final FakeEngine engine = new FakeEngine();
    private final ManualTime time = new ManualTime();
    private Services services;
    private Ota ota;

    @BeforeEach
    void setUp() throws Exception {
        write("var/db/baetyl/application.yml", V1);
        services = new Services(engine, new StatsStore(work.resolve("var/db/baetyl/application.stats")), time, time,
                Runnable::run, Duration.ofSeconds(1), Duration.ofSeconds(2), Map.of());
        ota = new Ota(work, new PathGuard(work), engine, services, new MasterJar(null, work, "etc/baetyl/conf.yml"),
                work.resolve("var/db/baetyl/ota.log"));
        ota.applyApp(null, null);
        engine.events.clear();
    }

    private void write(String rel, String text) throws Exception {
        Path p = work.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private List<String> steps() throws Exception {
        Path log = work.resolve("var/db/baetyl/ota.log");
        List<String> out = new ArrayList<>();
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log)) {
                out.add((String) new ObjectMapper().readValue(line, Map.class).get("step"));
            }
        }
        return out;
    }

    @Test
    void anUpdateKeepsUnchangedServices_stopsChangedOnesDependentsFirst() throws Exception {
        write("var/db/baetyl/v2/application.yml", V1.replace("version: v1", "version: v2")
                .replace("image: hub", "image: hub2").replace("image: timer", "image: timer2"));

        ota.applyApp("t2", work.resolve("var/db/baetyl/v2"));

        // fm did not change and keeps running; hub and timer stop (no stopping service depends on either).
        assertThat(engine.events("stop")).containsExactlyInAnyOrder("timer", "hub");
        assertThat(engine.events("start")).containsExactly("hub", "timer");
        assertThat(steps()).containsExactly("UPDATING", "UPDATED");
        assertThat(ota.confVersion()).isEqualTo("v2");
    }

    @Test
    void anAppThatCannotStartIsRolledBack_andTheOldAppRestarted() throws Exception {
        engine.failingImages.add("broken");
        write("var/db/baetyl/v3.yml", V1.replace("version: v1", "version: v3")
                .replace("image: timer", "image: broken"));

        assertThatThrownBy(() -> ota.applyApp("t3", work.resolve("var/db/baetyl/v3.yml")))
                .hasMessageContaining("failed to start app").hasMessageContaining("package 'broken' not found");

        assertThat(steps()).containsExactly("UPDATING", "ROLLINGBACK", "ROLLEDBACK");
        assertThat(engine.events("start-failed")).containsExactly("timer");
        assertThat(engine.events("start")).containsExactly("timer"); // the old timer, back
        assertThat(Files.readString(work.resolve("var/db/baetyl/application.yml"))).isEqualTo(V1);
        assertThat(ota.lastError()).contains("failed to start app");
        assertThat(ota.confVersion()).isEqualTo("v1");
    }

    @Test
    void anAppWithAnEscapingVolumeIsRefusedBeforeAnythingStops() throws Exception {
        write("var/db/baetyl/evil.yml", """
                services:
                  - {name: hub, image: hub, replica: 1, mounts: [{name: root, path: data}]}
                volumes:
                  - {name: root, path: ../../..}
                """);

        assertThatThrownBy(() -> ota.applyApp("t4", work.resolve("var/db/baetyl/evil.yml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("volumes[0].path: '../../..' leads outside the working dir");

        assertThat(engine.events).isEmpty();
        assertThat(steps()).containsExactly("UPDATING", "FAILURE");
        assertThat(Files.readString(work.resolve("var/db/baetyl/application.yml"))).isEqualTo(V1);
    }

    @Test
    void aFileThatIsNotAnAppIsRefusedWithoutQuotingIt() throws Exception {
        write("var/db/baetyl/secret.txt", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/bin/sh\n");

        assertThatThrownBy(() -> ota.applyApp("t5", work.resolve("var/db/baetyl/secret.txt")))
                .hasMessageContaining("not an application config").hasMessageNotContaining("root:x");
        assertThat(Files.readString(work.resolve("var/db/baetyl/ota.log"))).doesNotContain("root:x");
    }

    @Test
    void submitChecksThePathAtOnce_andQueuesTheUpdate() throws Exception {
        assertThatThrownBy(() -> ota.submit("t6", "APP", "/etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("path: '/etc/passwd' is outside the working dir " + work.toRealPath());
        assertThatThrownBy(() -> ota.submit("t7", "APP", "var/db/baetyl/nothing"))
                .hasMessage("path: 'var/db/baetyl/nothing' not found");
        assertThat(steps()).containsExactly("FAILURE", "FAILURE");

        write("var/db/baetyl/v2.yml", V1.replace("image: hub", "image: hub2"));
        ota.submit("t8", "APP", work.resolve("var/db/baetyl/v2.yml").toString()); // absolute inside is fine
        await().atMost(Duration.ofSeconds(60)).until(() -> steps().contains("UPDATED"));
        assertThat(engine.events("start")).contains("hub");
    }

    @Test
    void submitReturnsBeforeTheUpdateRuns_andABoundedNumberWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        engine.failingImages.clear();
        // Hold the update thread inside the first update: ota is busy while it holds the lock.
        Thread holder = new Thread(() -> {
            synchronized (ota) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        holder.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> holder.getState() == Thread.State.TIMED_WAITING);
        write("var/db/baetyl/v2.yml", V1.replace("image: hub", "image: hub2"));
        try {
            for (int i = 0; i <= Ota.MAX_QUEUED; i++) { // one taken by the worker, MAX_QUEUED waiting
                ota.submit("q" + i, "APP", "var/db/baetyl/v2.yml");
            }
            assertThat(steps()).isEmpty(); // none ran yet: submit did not wait
            assertThatThrownBy(() -> ota.submit("over", "APP", "var/db/baetyl/v2.yml"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(429));
        } finally {
            release.countDown();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> steps().stream().filter("UPDATED"::equals).count()
                == Ota.MAX_QUEUED + 1);
    }

    @Test
    void shutdownStopsEveryServiceDependentsFirst() {
        services.stopExcept(Set.of());
        assertThat(engine.events("stop")).containsExactly("timer", "fm", "hub");
        assertThat(engine.events("teardown")).containsExactly("timer", "fm", "hub");
    }
}
