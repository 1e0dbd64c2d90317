package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Instance names follow the service-name rule, and nothing from a request can forge a line of the master log. */
class NamesIT extends MasterITBase {
    @Test
    void badInstanceNamesAreRefused_andCannotForgeALogLine() throws Exception {
        baetyl.app("""
                services:
                  - {name: fm, image: recorder, replica: 1, mounts: [{name: pkg, path: lib/baetyl/recorder}]}
                  - {name: runtime, image: recorder, replica: 0, mounts: [{name: pkg, path: lib/baetyl/recorder}]}
                volumes:
                  - {name: pkg, path: var/db/baetyl/recorder}
                """);
        baetyl.start();
        await().atMost(MasterHarness.PATIENCE).until(() -> Files.exists(baetyl.records.resolve("fm.env")));
        String forged = "x\n2030-01-01T00:00:00.000Z ERROR [main] Master - FORGED";
        try (HttpMasterClient fm = baetyl.clientAs("fm")) {
            assertThatThrownBy(() -> fm.startInstance("runtime", "..", Map.of()))
                    .hasMessage("[400] invalid instance name '..': letters, digits, '_', '-' and '.', starting with a "
                            + "letter or digit, at most 255");
            assertThatThrownBy(() -> fm.startInstance("runtime", forged, Map.of()))
                    .hasMessageStartingWith("[400] invalid instance name 'x\\n2030-01-01T00:00:00.000Z ERROR");
            assertThatThrownBy(() -> fm.stopInstance("runtime", forged)).hasMessageStartingWith("[400] invalid instance name");
            assertThatThrownBy(() -> fm.startInstance(forged, "a", Map.of()))
                    .hasMessageStartingWith("[400] service (x\\n2030");
            assertThatThrownBy(() -> fm.updateSystem(forged, "APP", forged)).hasMessageStartingWith("[403]");
            // A good name still works, and nothing else started.
            fm.startInstance("runtime", "runtime.fn.1", Map.of());
            await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "runtime.fn.1").isEmpty());
        }
        assertThat(baetyl.events().stream().filter(e -> e[0].equals("start")).map(e -> e[1]))
                .containsExactly("fm", "runtime.fn.1");
        assertThat(baetyl.output().lines().filter(l -> l.contains("FORGED")))
                .isNotEmpty().noneMatch(l -> l.startsWith("2030-01-01T00:00:00.000Z"));
        assertThat(Files.readString(baetyl.home.resolve("var/log/baetyl/baetyl.log")).lines())
                .noneMatch(l -> l.startsWith("2030-01-01"));
    }
}
