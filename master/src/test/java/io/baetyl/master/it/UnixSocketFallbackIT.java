package io.baetyl.master.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.api.HttpMasterClient;
import io.baetyl.sdk.net.UnixSockets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The master API on the JDK's own Unix-domain sockets, as on a board where Netty's epoll library does not load:
 * forced with BAETYL_UNIX_TRANSPORT=nio for the master (and so for its native services), and with the system
 * property for this test's client. Inspect, a report and an instance start all go through it.
 */
class UnixSocketFallbackIT extends MasterITBase {
    @AfterEach
    void clear() {
        System.clearProperty(UnixSockets.PROPERTY);
    }

    @Test
    void theApiServesOverTheJdksUnixSocketsWhenEpollIsMissing() throws Exception {
        baetyl.app("""
                version: v0
                services:
                  - name: svc
                    image: recorder
                    replica: 1
                  - name: fn
                    image: recorder
                    replica: 0
                """);
        baetyl.env("BAETYL_UNIX_TRANSPORT", "nio");
        baetyl.start();
        assertThat(baetyl.output()).contains("transport=nio");
        await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "svc").isEmpty());
        assertThat(baetyl.envOf("svc")).containsEntry("BAETYL_UNIX_TRANSPORT", "nio");

        System.setProperty(UnixSockets.PROPERTY, "nio");
        try (HttpMasterClient api = baetyl.clientAs("svc")) {
            Map<String, Object> inspect = api.inspectSystem();
            assertThat(inspect).containsKey("services");
            api.reportInstance("svc", "svc", Map.of("progress", 42));
            await().atMost(MasterHarness.PATIENCE).until(() -> api.inspectSystem().toString().contains("progress=42"));
            api.startInstance("fn", "fn.1", Map.of());
            await().atMost(MasterHarness.PATIENCE).until(() -> !baetyl.events("start", "fn.1").isEmpty());
            api.stopInstance("fn", "fn.1");
        }
        assertThat(baetyl.stop()).isZero();
    }
}
