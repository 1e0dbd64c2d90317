package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reports cannot grow the master or its stats file: an oversized body gets 413, the reported keys of an instance
 * are bounded, the stats file holds only the master's records, and after a kill -9 the next master reads it and
 * stops the orphans, so the new hub gets its storage lock instead of crash-looping.
 */
class BoundedReportsIT extends MasterITBase {
    @Test
    void bigReportsAreRefused_theFileStaysSmall_andRecoveryAfterKill9StillWorks() throws Exception {
        baetyl.app("""
                services:
                  - name: localhub
                    image: recorder
                    replica: 1
                    env: {LOCK_FILE: var/db/baetyl/data/hub.lock}
                    mounts:
                      - {name: pkg, path: lib/baetyl/recorder, readonly: true}
                      - {name: data, path: var/db/baetyl/data}
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                  - {name: data, path: var/db/baetyl/localhub-data}
                """);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> Files.exists(baetyl.records.resolve("localhub.env")));
        long hub = baetyl.pidOf("localhub");
        Path stats = baetyl.home.resolve("var/db/baetyl/application.stats");

        try (HttpMasterClient client = baetyl.clientAs("localhub")) {
            String big = "x".repeat(7_500_000);
            for (int i = 0; i < 5; i++) { // the five reports of 7.5 MB
                assertThatThrownBy(() -> client.reportInstance("localhub", "localhub", Map.of("blob", big)))
                        .hasMessage("[413] request body too large: the limit is 65536 bytes");
            }
            // Within the body limit, but more than an instance may hold all together.
            String part = "y".repeat(30_000);
            client.reportInstance("localhub", "localhub", Map.of("a", part));
            client.reportInstance("localhub", "localhub", Map.of("b", part));
            assertThatThrownBy(() -> client.reportInstance("localhub", "localhub", Map.of("c", part)))
                    .hasMessageStartingWith("[413] report refused: the reported stats of instance localhub would take")
                    .hasMessageEndingWith("over the limit of 65536 bytes per instance; nothing was merged");
            client.reportInstance("localhub", "localhub", Map.of("a", "small")); // replacing a key frees its room
            client.reportInstance("localhub", "localhub", Map.of("c", part));
            Map<String, Object> inst = ApiIT.instance(client.inspectSystem(), "localhub", "localhub");
            assertThat(inst).containsEntry("a", "small").containsKeys("b", "c").containsEntry("reports_refused", 1)
                    .containsEntry("status", "running");
        }
        assertThat(Files.size(stats)).as("records only, never reports").isLessThan(2_000);
        assertThat(MasterHarness.alive(hub)).isTrue();

        baetyl.master().destroyForcibly().waitFor();
        assertThat(MasterHarness.alive(hub)).as("kill -9 of the master leaves the hub").isTrue();
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> !MasterHarness.alive(hub));
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "localhub").size() == 2);
        long newHub = baetyl.pidOf("localhub");
        // The new hub holds the lock and keeps running: no crash loop.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> MasterHarness.alive(newHub));
        assertThat(baetyl.events("lockfail", "localhub")).isEmpty();
        assertThat(baetyl.output()).contains("stopping orphan instance=localhub of service=localhub pid=" + hub);
        assertThat(baetyl.stop()).isZero();
    }
}
