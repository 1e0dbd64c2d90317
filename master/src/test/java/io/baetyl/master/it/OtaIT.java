package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** App updates through PUT /v1/system/update and SIGHUP: keep what did not change, roll back what cannot start. */
class OtaIT extends MasterITBase {
    private static final String V1 = """
            version: v1
            services:
              - name: steady
                image: recorder
                replica: 1
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
              - name: changing
                image: recorder
                replica: 1
                env: {VERSION: one}
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
            volumes:
              - {name: pkg, path: var/db/baetyl/recorder}
            """;

    @BeforeEach
    void setUp() throws Exception {
        // The service that calls system/update must be granted it; 'agent' is by default, here it is 'steady'.
        baetyl.conf("""
                mode: native
                grace: 2s
                server:
                  address: unix://var/run/baetyl.sock
                  update: {allowed: [steady]}
                logger: {path: var/log/baetyl/baetyl.log, level: debug}
                """);
        baetyl.app(V1);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events().size() >= 2);
    }

    @Test
    void updateKeepsUnchangedServicesAndRestartsChangedOnes() throws Exception {
        long steady = baetyl.pidOf("steady");
        long changing = baetyl.pidOf("changing");
        baetyl.write("var/db/baetyl/v2/application.yml", V1.replace("version: v1", "version: v2")
                .replace("VERSION: one", "VERSION: two"));
        try (HttpMasterClient client = baetyl.clientAs("steady")) {
            client.updateSystem("trace-2", "APP", "var/db/baetyl/v2");
            await().atMost(MasterHarness.PATIENCE).until(() -> steps().contains("UPDATED"));
            assertThat(steps()).containsExactly("UPDATING", "UPDATED");
            assertThat(baetyl.otaLog().get(0)).containsEntry("trace", "trace-2").containsEntry("type", "APP");
            // UPDATED means the new instance was launched; its script records its start a moment later.
            await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.events("start", "changing").size() == 2);
            assertThat(baetyl.pidOf("steady")).isEqualTo(steady);
            assertThat(MasterHarness.alive(steady)).isTrue();
            assertThat(baetyl.pidOf("changing")).isNotEqualTo(changing);
            assertThat(MasterHarness.alive(changing)).isFalse();
            assertThat(baetyl.envOf("changing")).containsEntry("VERSION", "two");
            assertThat(Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"))).contains("VERSION: two");
            assertThat(baetyl.home.resolve("var/db/baetyl/application.yml.old")).doesNotExist();
            @SuppressWarnings("unchecked")
            Map<String, Object> software = (Map<String, Object>) client.inspectSystem().get("software");
            assertThat(software).containsEntry("conf_version", "v2");
        }
    }

    @Test
    void anAppThatCannotStartIsRolledBackAndTheOldOneKeepsRunning() throws Exception {
        long steady = baetyl.pidOf("steady");
        String before = Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"));
        // v3 changes 'changing' and adds a service whose package does not exist.
        baetyl.write("var/db/baetyl/v3.yml", """
                version: v3
                services:
                  - name: steady
                    image: recorder
                    replica: 1
                    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
                  - name: changing
                    image: recorder
                    replica: 1
                    env: {VERSION: three}
                    mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
                  - name: broken
                    image: nowhere
                    replica: 1
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                """);
        try (HttpMasterClient client = baetyl.clientAs("steady")) {
            client.updateSystem("trace-3", "APP", "var/db/baetyl/v3.yml");
            // The missing package is found before anything stops: the update fails and nothing was touched.
            await().atMost(MasterHarness.PATIENCE).until(() -> steps().contains("FAILURE"));
            assertThat(steps()).containsExactly("UPDATING", "FAILURE");
            assertThat((String) baetyl.otaLog().get(1).get("error"))
                    .contains("services[2] (broken).image 'nowhere': no native package");
            assertThat(MasterHarness.alive(steady)).as("unchanged service kept running").isTrue();
            assertThat(baetyl.events("term", "changing")).as("the running app was not touched").isEmpty();
            assertThat(baetyl.envOf("changing")).containsEntry("VERSION", "one");
            assertThat(Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"))).isEqualTo(before);
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = client.inspectSystem();
            assertThat((String) doc.get("error")).contains("services[2] (broken).image 'nowhere': no native package");
            assertThat(ApiIT.instance(doc, "changing", "changing")).containsEntry("status", "running");
        }
    }

    @Test
    void aBrokenAppFileIsRejectedWithoutTouchingTheRunningApp() throws Exception {
        long steady = baetyl.pidOf("steady");
        long changing = baetyl.pidOf("changing");
        baetyl.write("var/db/baetyl/bad.yml", "services: [{name: a, image: x}, {name: a, image: y}]\n");
        try (HttpMasterClient client = baetyl.clientAs("steady")) {
            client.updateSystem("trace-4", "APP", "var/db/baetyl/bad.yml");
            await().atMost(MasterHarness.PATIENCE).until(() -> steps().contains("FAILURE"));
            List<Map<String, Object>> lines = baetyl.otaLog();
            assertThat((String) lines.get(lines.size() - 1).get("error")).contains("duplicate service name 'a'");
        }
        assertThat(MasterHarness.alive(steady)).isTrue();
        assertThat(MasterHarness.alive(changing)).isTrue();
        assertThat(Files.readString(baetyl.home.resolve("var/db/baetyl/application.yml"))).contains("version: v1");
    }

    @Test
    void sighupReloadsApplicationYml() throws Exception {
        long steady = baetyl.pidOf("steady");
        baetyl.app(V1.replace("VERSION: one", "VERSION: hup"));
        new ProcessBuilder("kill", "-HUP", Long.toString(baetyl.master().pid())).start().waitFor();
        await().atMost(MasterHarness.PATIENCE).until(() -> "hup".equals(baetyl.envOf("changing").get("VERSION")));
        // the reload is logged once it completed, which is after the new instance started (and recorded its env)
        await().atMost(MasterHarness.PATIENCE).until(() -> baetyl.output().contains("application reloaded"));
        assertThat(baetyl.pidOf("steady")).isEqualTo(steady);
        assertThat(baetyl.stop()).isZero();
    }

    private List<String> steps() throws Exception {
        return baetyl.otaLog().stream().map(m -> (String) m.get("step")).toList();
    }
}
