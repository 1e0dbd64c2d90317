package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the master loads in native mode (issue 18, edge footprint): Docker's client is a large library a native
 * device never calls, so its classes must not even be loaded. Read from the JVM's own class-load log.
 */
class NativeFootprintIT extends MasterITBase {
    static final String APP = """
            services:
              - name: localhub
                image: recorder
                replica: 1
                mounts: [{name: pkg, path: lib/baetyl/recorder, readonly: true}]
            volumes:
              - {name: pkg, path: var/db/baetyl/recorder}
            """;

    /**
     * The launcher's default JVM flags: BAETYL_JAVA_OPTS replaces them, so a test that adds a flag passes them too,
     * read from the launcher itself so that the test runs the master as users do.
     */
    static String launcherDefaults() throws IOException {
        Matcher m = Pattern.compile("\\$\\{BAETYL_JAVA_OPTS:-([^}]*)}").matcher(Files.readString(MasterHarness.LAUNCHER));
        assertThat(m.find()).as("the launcher's default flags in " + MasterHarness.LAUNCHER).isTrue();
        return m.group(1);
    }

    @Test
    void nativeModeDoesNotLoadDockersClient() throws Exception {
        baetyl.app(APP); // the harness's conf.yml: mode native
        Path classes = tmp.resolve("classes.log");
        baetyl.javaOpts = launcherDefaults() + " -Xlog:class+load=info:file=" + classes;
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> Files.exists(baetyl.records.resolve("localhub.env")));
        try (HttpMasterClient hub = baetyl.clientAs("localhub")) {
            assertThat(hub.inspectSystem()).containsKey("services"); // inspect ran: it asks the engine about instances
        }
        assertThat(baetyl.stop()).isZero();
        String loaded = Files.readString(classes);
        // the log is the one of this master, which ran the native engine through a start, an inspect and a stop
        assertThat(loaded).contains("io.baetyl.master.engine.nativeengine.NativeEngine ");
        assertThat(loaded).doesNotContain("com.github.dockerjava.", "io.baetyl.master.engine.docker.");
    }
}
