package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The install's class-data-sharing archive (scripts/cds-archive.sh) is an optimisation only: with the archive
 * corrupt (its header overwritten, as a bad disk or an interrupted copy leaves it) or deleted, the native example
 * still starts and works, the JVMs merely running without it. Each case starts the installed example and sends one
 * message through the SQL function (a Java instance started on demand) and the Python one.
 */
@Timeout(420)
class CdsArchiveIT {
    private BaetylHome baetyl;

    @AfterEach
    void stop() throws Exception {
        if (baetyl != null) {
            baetyl.close();
        }
    }

    @Test
    void theExampleStartsWithItsArchiveCorruptThenDeleted() throws Exception {
        baetyl = BaetylHome.install("cds-base");
        Path archive = baetyl.path("lib/baetyl/baetyl-jdk.jsa");
        assertThat(archive).as("install.sh made the archive").isRegularFile();
        assertThat(Files.size(archive)).isGreaterThan(1 << 20);

        overwriteHeader(archive);
        startAndAnswer("corrupt");
        baetyl.close();

        Files.delete(archive);
        startAndAnswer("deleted");
    }

    /**
     * The archives of the master's, the hub's, the function manager's and the timer's own classes
     * (scripts/cds-train.sh, made at install) are mapped by the processes they were made for; one truncated (which
     * Java 17 would crash on) and one with its header overwritten (same size; Java 17 would not start) are skipped
     * by the launchers, and the example works either way.
     */
    @Test
    void eachJvmsOwnArchiveIsUsedAndADamagedOneIsSkipped() throws Exception {
        baetyl = BaetylHome.install("cds-top");
        Path masterTop = baetyl.path("lib/baetyl/baetyl-master.jsa");
        Path hubTop = baetyl.path("var/db/baetyl/baetyl-hub/lib/baetyl-hub.jsa");
        assertThat(masterTop).as("install.sh made the master's archive").isRegularFile();
        assertThat(hubTop).as("install.sh made the hub's archive").isRegularFile();

        startAndAnswer("top-intact");
        Path common = baetyl.path("lib/baetyl/baetyl-common.jar");
        assertThat(cmdline(baetyl.masterPid())).as("the master's class path starts with the common classes jar")
                .contains("-cp\0" + common + ":");
        assertThat(maps(baetyl.masterPid())).as("the master maps its archive").contains(masterTop.toString());
        assertThat(maps(baetyl.instances("localhub").get("localhub"))).as("the hub maps its archive")
                .contains(hubTop.toString());
        for (String[] module : new String[][] {
                {"function-manager", "baetyl-function-manager"}, {"timer", "baetyl-timer"}}) {
            Path top = baetyl.path("var/db/baetyl/" + module[1] + "/lib/" + module[1] + ".jsa");
            long pid = baetyl.instances(module[0]).get(module[0]);
            assertThat(maps(pid)).as(module[0] + " maps its archive").contains(top.toString());
            assertThat(cmdline(pid)).as(module[0] + "'s class path starts with the common classes jar")
                    .contains("-cp\0" + common + ":");
        }
        baetyl.close();

        Files.setPosixFilePermissions(hubTop, PosixFilePermissions.fromString("rw-r--r--"));
        try (FileChannel ch = FileChannel.open(hubTop, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(hubTop) / 2);
        }
        overwriteHeader(masterTop);
        startAndAnswer("top-damaged");
        assertThat(maps(baetyl.instances("localhub").get("localhub"))).as("the launcher skipped the truncated archive")
                .doesNotContain(hubTop.toString())
                .as("the hub still maps the base archive").contains("baetyl-jdk.jsa");
        assertThat(maps(baetyl.masterPid())).as("the launcher skipped the overwritten archive")
                .doesNotContain(masterTop.toString());
    }

    /**
     * The install's archive also holds the library classes common to every Java jar of the install, and a JVM maps it
     * only with lib/baetyl/baetyl-common.jar first on its class path (scripts/cds-pair.sh). A package jar the common
     * jar was not made from (an OTA'd or rebuilt package; here the timer's, its time changed) runs from its own jar,
     * without the install's archive; a changed common jar turns the archive off for every JVM. The example works
     * either way, and no JVM refuses to start.
     */
    @Test
    void aJarTheCommonClassesWereNotMadeFromRunsWithoutTheArchive() throws Exception {
        baetyl = BaetylHome.install("cds-common");
        Path common = baetyl.path("lib/baetyl/baetyl-common.jar");
        assertThat(common).as("install.sh made the common classes jar").isRegularFile();
        Path timerJar = baetyl.path("var/db/baetyl/baetyl-timer/lib/baetyl-timer.jar");
        Files.setLastModifiedTime(timerJar, FileTime.from(Files.getLastModifiedTime(timerJar).toInstant()
                .plusSeconds(3600)));

        startAndAnswer("timer-jar-changed");
        long timer = baetyl.instances("timer").get("timer");
        assertThat(cmdline(timer)).as("the timer runs its own jar alone")
                .contains("-jar\0").doesNotContain(common.toString()).doesNotContain("SharedArchiveFile");
        assertThat(maps(timer)).doesNotContain("baetyl-jdk.jsa");
        long hub = baetyl.instances("localhub").get("localhub");
        assertThat(cmdline(hub)).as("the hub's jar is still the one recorded").contains("-cp\0" + common + ":");
        assertThat(maps(hub)).contains("baetyl-jdk.jsa");
        baetyl.close();

        Files.setPosixFilePermissions(common, PosixFilePermissions.fromString("rw-r--r--"));
        Files.write(common, new byte[] {0}, StandardOpenOption.APPEND);
        startAndAnswer("common-jar-changed");
        assertThat(maps(baetyl.masterPid())).as("the master without the archive").doesNotContain("baetyl-jdk.jsa");
        for (String service : List.of("localhub", "function-manager", "timer")) {
            long pid = baetyl.instances(service).get(service);
            assertThat(maps(pid)).as(service + " without the archive").doesNotContain("baetyl-jdk.jsa");
            assertThat(cmdline(pid)).as(service + " runs its own jar alone").doesNotContain(common.toString());
        }
    }

    /** Its first 64 KB replaced by garbage, as a bad disk or an interrupted copy leaves a file; the size stays. */
    private static void overwriteHeader(Path archive) throws Exception {
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-r--r--"));
        byte[] garbage = new byte[64 * 1024];
        new Random(18).nextBytes(garbage);
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(garbage), 0);
        }
    }

    private static String maps(long pid) throws Exception {
        return Files.readString(Path.of("/proc/" + pid + "/maps"));
    }

    /** The process's arguments, each followed by a NUL. */
    private static String cmdline(long pid) throws Exception {
        return Files.readString(Path.of("/proc/" + pid + "/cmdline"));
    }

    private void startAndAnswer(String archiveState) throws Exception {
        baetyl.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> Stream.of("func-sql-filter-1", "func-python3-sayhi-1")
                .allMatch(c -> baetyl.output().contains("rule subscribed: clientid=" + c + " ")));
        Set<String> answered = ConcurrentHashMap.newKeySet();
        MqttClient client = new MqttClient(baetyl.mqttAddress(), "e2e-cds-" + archiveState, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("test");
        o.setPassword("hahaha".toCharArray());
        client.connect(o);
        try {
            client.subscribe("t/#", 1, (topic, m) -> answered.add(topic));
            client.publish("t", "{\"id\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
            await().atMost(Duration.ofSeconds(120)).alias("the answers with the archive " + archiveState)
                    .until(() -> answered.containsAll(List.of("t/py3hi", "t/sqlfilter")));
        } finally {
            client.disconnect();
            client.close();
        }
        for (String service : List.of("localhub", "function-manager", "timer")) {
            assertThat(baetyl.instances(service)).as(service + " running with the archive " + archiveState)
                    .containsKey(service);
        }
        assertThat(baetyl.output()).as("no JVM refused to start").doesNotContain("Error occurred during initialization");
    }
}
