package io.baetyl.master.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.master.api.ApiException;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reports are bounded and cannot touch the master's record; the stats file holds records only and always reads. */
@Timeout(30)
class StatsStoreTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("application.stats");
    }

    @Test
    void reportsAreMergedShallowly_withinABoundPerInstance_andNeverPersisted() throws Exception {
        StatsStore stats = new StatsStore(file());
        StatsStore.Handle h = stats.open("hub", "hub");
        h.record(Map.of("process", Map.of("id", 42, "start_ticks", 7, "launch_id", "L")));
        stats.report("hub", "hub", Map.of("a", Map.of("x", 1), "b", 2));
        stats.report("hub", "hub", Map.of("a", Map.of("y", 3)));
        assertThat(stats.instance("hub", "hub")).containsEntry("a", Map.of("y", 3)).containsEntry("b", 2);

        String nearlyAll = "x".repeat(StatsStore.MAX_REPORTED_BYTES - 200);
        stats.report("hub", "hub", Map.of("big", nearlyAll));
        // Replacing a key counts its new size, not both: the same big value again still fits.
        stats.report("hub", "hub", Map.of("big", nearlyAll));
        assertThatThrownBy(() -> stats.report("hub", "hub", Map.of("more", "y".repeat(500))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(413))
                .hasMessageContaining("over the limit of 65536 bytes per instance; nothing was merged");
        assertThat(stats.instance("hub", "hub")).doesNotContainKey("more").containsEntry("reports_refused", 1L);

        String persisted = Files.readString(file());
        assertThat(persisted).contains("\"launch_id\" : \"L\"").doesNotContain("xxxx").doesNotContain("\"b\"");
        assertThat(persisted.length()).isLessThan(400);
    }

    @Test
    void aReportCannotSetTheMastersKeysOrReachAnUnknownInstance() {
        StatsStore stats = new StatsStore(file());
        stats.open("hub", "hub").record(Map.of("process", Map.of("id", 42)));
        for (String key : new String[] {"process", "container", "status", "start_time", "name"}) {
            assertThatThrownBy(() -> stats.report("hub", "hub", Map.of(key, Map.of("id", 1))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + key + "' is set by the master");
        }
        assertThatThrownBy(() -> stats.report("hub", "ghost", Map.of("a", 1)))
                .hasMessage("instance (ghost) of service (hub) not found");
        assertThat(new StatsStore(file()).loadPrevious()).isEqualTo(Map.of("hub", Map.of("hub",
                Map.of("process", Map.of("id", 42)))));
    }

    @Test
    void aStoppedInstanceCannotTouchTheEntryOfANewerOneOfTheSameName() {
        StatsStore stats = new StatsStore(file());
        StatsStore.Handle old = stats.open("svc", "svc");
        StatsStore.Handle newer = stats.open("svc", "svc");
        newer.set(Map.of("status", "running"));
        old.set(Map.of("status", "stale"));
        old.remove();
        assertThat(stats.instance("svc", "svc")).containsEntry("status", "running");
        newer.remove();
        assertThat(stats.instance("svc", "svc")).isNull();
    }

    @Test
    void aHugeFileIsReadAsAStreamInLinearTime_keepingOnlyTheRecords() throws Exception {
        // 40 MB of junk around the records, e.g. written by hand or by someone with access to var/db/baetyl.
        try (BufferedWriter w = Files.newBufferedWriter(file(), StandardCharsets.UTF_8)) {
            w.write("{\"hub\":{\"hub\":{\"name\":\"hub\",\"blob\":\"");
            String chunk = "y".repeat(1024);
            for (int i = 0; i < 40 * 1024; i++) {
                w.write(chunk);
            }
            w.write("\",\"nested\":{\"deep\":[1,2,{\"x\":\"" + chunk + "\"}]},");
            w.write("\"process\":{\"id\":123,\"start_ticks\":55,\"launch_id\":\"abc\"}},");
            w.write("\"hub.i1\":{\"process\":{\"id\":124}}}}");
        }
        assertThat(Files.size(file())).isGreaterThan(40_000_000);

        Map<String, Map<String, Map<String, Object>>> prev = new StatsStore(file()).loadPrevious();

        assertThat(prev.get("hub").get("hub")).isEqualTo(Map.of("process",
                Map.of("id", 123, "start_ticks", 55, "launch_id", "abc")));
        assertThat(prev.get("hub").get("hub.i1")).isEqualTo(Map.of("process", Map.of("id", 124)));
    }

    @Test
    void anOldYamlFileIsReadWhenSmall_andSkippedWhenTooLargeToParseInBoundedTime() throws Exception {
        Files.writeString(file(), """
                ---
                hub:
                  hub:
                    name: hub
                    broker_stats: {a: 1}
                    process:
                      id: 123
                      name: run.sh
                      start: 1000
                    status: running
                """);
        assertThat(new StatsStore(file()).loadPrevious()).isEqualTo(Map.of("hub", Map.of("hub",
                Map.of("process", Map.of("id", 123, "name", "run.sh", "start", 1000)))));

        try (BufferedWriter w = Files.newBufferedWriter(file(), StandardCharsets.UTF_8)) {
            w.write("hub:\n  hub:\n    blob: \"");
            for (int i = 0; i < 8 * 1024; i++) {
                w.write("y".repeat(1024));
            }
            w.write("\"\n    process: {id: 1}\n");
        }
        assertThat(new StatsStore(file()).loadPrevious()).isEmpty();
    }

    @Test
    void aDamagedFileYieldsWhatPrecedesTheDamage_andAMissingFileNothing() throws Exception {
        assertThat(new StatsStore(file()).loadPrevious()).isEmpty();
        Files.writeString(file(), "{\"a\":{\"a\":{\"process\":{\"id\":1}}},\"b\":{\"b\":{\"proc");
        Map<String, Map<String, Map<String, Object>>> prev = new StatsStore(file()).loadPrevious();
        assertThat(prev).containsOnlyKeys("a");
        Files.writeString(file(), "just text\n");
        assertThat(new StatsStore(file()).loadPrevious()).isEmpty();
    }

    @Test
    void theFileIsReplacedAtomically_noTemporaryIsLeft() throws Exception {
        StatsStore stats = new StatsStore(file());
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("process", Map.of("id", 1));
        for (int i = 0; i < 20; i++) {
            stats.open("svc", "svc.i" + i).record(rec);
        }
        assertThat(new StatsStore(file()).loadPrevious().get("svc")).hasSize(20);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("application.stats");
        }
    }
}
