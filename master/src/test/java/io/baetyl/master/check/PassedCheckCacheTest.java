package io.baetyl.master.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remembered passing check, in front of a recording fake checker (the real child JVM check:
 * {@link ChildJvmConfigCheckerTest}; through {@code baetyl start} on the real modules: e2e CheckIT).
 */
@Timeout(30)
class PassedCheckCacheTest {
    @TempDir
    Path work;
    Path jar;
    Path hubYml;
    Path timerYml;
    final Map<String, String> env = new HashMap<>();
    /** The requests the real check was asked, one list per call. */
    final List<List<Request>> calls = new ArrayList<>();
    /** What the fake real check answers per request. */
    Function<Request, List<String>> answer = r -> List.of("warning: " + r.display() + ": unknown key 'x' ignored");

    private record Request(Path file, String display) {
    }

    @BeforeEach
    void files() throws IOException {
        jar = Files.writeString(Files.createDirectories(work.resolve("var/db/baetyl/baetyl-hub/lib"))
                .resolve("baetyl-hub.jar"), "not really a jar");
        hubYml = Files.writeString(Files.createDirectories(work.resolve("var/db/baetyl/localhub-conf"))
                .resolve("service.yml"), "listen:\n  - tcp://0.0.0.0:1883\n");
        timerYml = Files.writeString(Files.createDirectories(work.resolve("var/db/baetyl/timer-conf"))
                .resolve("service.yml"), "timer: {interval: 1s}\nhub: {address: '{{.HUB_ADDRESS}}'}\n");
        env.put("HUB_ADDRESS", "tcp://127.0.0.1:1883");
    }

    private PassedCheckCache cache(boolean lookUp) {
        return cache(lookUp, "version=1 code=master.jar");
    }

    private PassedCheckCache cache(boolean lookUp, String master) {
        ModuleConfigChecker real = requests -> {
            calls.add(requests.stream().map(r -> new Request(r.file(), r.display())).toList());
            return requests.stream().map(r -> answer.apply(new Request(r.file(), r.display()))).toList();
        };
        return new PassedCheckCache(work, real, master, lookUp, env);
    }

    private List<ModuleConfigChecker.Request> requests() {
        return List.of(new ModuleConfigChecker.Request(jar, "io.baetyl.hub.config.HubConfig", hubYml, "hub (service localhub)"),
                new ModuleConfigChecker.Request(jar, "io.baetyl.timer.TimerConfig", timerYml, "timer (service timer)"));
    }

    private Path cacheFile() {
        return work.resolve(PassedCheckCache.FILE);
    }

    @Test
    void anUnchangedConfigIsAnsweredFromThePassingRecordWithItsWarnings() {
        List<List<String>> first = cache(true).check(requests());
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)).hasSize(2);
        assertThat(cacheFile()).isRegularFile();

        List<List<String>> second = cache(true).check(requests());
        assertThat(calls).as("the real check did not run again").hasSize(1);
        assertThat(second).isEqualTo(first);
        assertThat(second.get(0)).containsExactly("warning: hub (service localhub): unknown key 'x' ignored");
    }

    @Test
    void oneChangedByteOfAServiceYmlIsCheckedAgainAndOnlyIt() throws IOException {
        cache(true).check(requests());
        Files.writeString(hubYml, "listen:\n  - tcp://0.0.0.0:1884\n");
        cache(true).check(requests());
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1)).containsExactly(new Request(hubYml, "hub (service localhub)"));
        // and that new pass is remembered in its turn
        cache(true).check(requests());
        assertThat(calls).hasSize(2);
    }

    @Test
    void aChangedModuleJarIsAMiss() throws IOException {
        cache(true).check(requests());
        FileTime before = Files.getLastModifiedTime(jar);
        Files.writeString(jar, "not really a jaR"); // same size
        Files.setLastModifiedTime(jar, before); // even with the same time: a replaced jar has a new inode
        Path replaced = jar.resolveSibling("new.jar");
        Files.writeString(replaced, "not really a jaR");
        Files.setLastModifiedTime(replaced, before);
        Files.move(replaced, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        cache(true).check(requests());
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1)).hasSize(2);

        Files.setLastModifiedTime(jar, FileTime.fromMillis(before.toMillis() + 1000)); // only its time changes
        cache(true).check(requests());
        assertThat(calls).hasSize(3);
    }

    @Test
    void anotherMasterOrAnotherValueOfATemplateVariableIsAMiss() {
        cache(true).check(requests());
        cache(true, "version=2 code=master.jar").check(requests());
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1)).hasSize(2);

        env.put("HUB_ADDRESS", "tcp://127.0.0.1:1999");
        cache(true, "version=2 code=master.jar").check(requests());
        assertThat(calls).hasSize(3);
        assertThat(calls.get(2)).containsExactly(new Request(timerYml, "timer (service timer)"));

        env.remove("HUB_ADDRESS"); // unset is another value again
        cache(true, "version=2 code=master.jar").check(requests());
        assertThat(calls).hasSize(4);
    }

    @Test
    void aFailedCheckIsNeverRecorded() throws IOException {
        answer = r -> r.file().equals(hubYml) ? List.of("error: hub: listen: no listener") : List.of();
        List<List<String>> first = cache(true).check(requests());
        assertThat(first.get(0)).containsExactly("error: hub: listen: no listener");
        assertThat(cacheFile()).doesNotExist();
        List<List<String>> second = cache(true).check(requests());
        assertThat(second).isEqualTo(first);
        assertThat(calls).hasSize(2);

        // nor a module that could not check its config, nor over an older passing record
        answer = r -> List.of();
        cache(true).check(requests());
        String passed = Files.readString(cacheFile());
        Files.writeString(hubYml, "listen: []\n");
        answer = r -> r.file().equals(hubYml) ? List.of(ModuleConfigChecker.UNCHECKED + "NoClassDefFoundError")
                : List.of();
        cache(true).check(requests());
        assertThat(Files.readString(cacheFile())).isEqualTo(passed);
        cache(true).check(requests());
        assertThat(calls.get(calls.size() - 1)).containsExactly(new Request(hubYml, "hub (service localhub)"));
    }

    @Test
    void aCorruptTruncatedOversizedOrMissingRecordFileMeansAFullCheck() throws IOException {
        cache(true).check(requests());
        byte[] good = Files.readAllBytes(cacheFile());

        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 1;
        Files.write(cacheFile(), flipped);
        assertFullCheck();

        Files.write(cacheFile(), java.util.Arrays.copyOf(good, good.length - 10));
        assertFullCheck();

        Files.writeString(cacheFile(), "garbage\n\u0000\u00ff");
        assertFullCheck();

        Files.write(cacheFile(), new byte[PassedCheckCache.MAX_BYTES + 1]);
        assertFullCheck();

        Files.delete(cacheFile());
        assertFullCheck();

        Files.delete(cacheFile());
        Files.createDirectories(cacheFile()); // not even a file: the check runs, nothing is remembered
        assertThat(cache(true).check(requests())).hasSize(2);
        assertThat(calls.get(calls.size() - 1)).hasSize(2);
    }

    private void assertFullCheck() throws IOException {
        int before = calls.size();
        List<List<String>> out = cache(true).check(requests());
        assertThat(calls).hasSize(before + 1);
        assertThat(calls.get(before)).hasSize(2);
        assertThat(out.get(1)).containsExactly("warning: timer (service timer): unknown key 'x' ignored");
        // and the file is whole again: the next start skips the check
        cache(true).check(requests());
        assertThat(calls).hasSize(before + 1);
    }

    @Test
    void withoutLookUpTheCheckAlwaysRunsAndAPassIsRecordedForTheNextBoot() {
        cache(false).check(requests());
        cache(false).check(requests());
        assertThat(calls).hasSize(2);
        cache(true).check(requests());
        assertThat(calls).hasSize(2);
    }

    @Test
    void aConfigFileThatCannotBeReadIsCheckedAndNotRecorded() throws IOException {
        Files.delete(timerYml);
        answer = r -> r.file().equals(timerYml) ? List.of("error: timer: file not found") : List.of();
        cache(true).check(requests());
        assertThat(cacheFile()).doesNotExist();
    }

    @Test
    void theRecordsStayWithinTheirBoundsAndHoldOnlyTheCurrentFiles() throws IOException {
        answer = r -> List.of("warning: " + "w".repeat(2000));
        List<ModuleConfigChecker.Request> many = new ArrayList<>();
        for (int i = 0; i < PassedCheckCache.MAX_BYTES / 2000 + 1; i++) {
            Path f = Files.writeString(work.resolve("s" + i + ".yml"), "a: " + i + "\n");
            many.add(new ModuleConfigChecker.Request(jar, "C", f, "s" + i));
        }
        cache(true).check(many);
        assertThat(cacheFile()).as("too large to remember").doesNotExist();

        answer = r -> List.of();
        cache(true).check(many.subList(0, 3));
        cache(true).check(requests());
        assertThat(Files.readString(cacheFile(), StandardCharsets.UTF_8).lines().count())
                .as("header, two records, checksum").isEqualTo(4);
    }
}
