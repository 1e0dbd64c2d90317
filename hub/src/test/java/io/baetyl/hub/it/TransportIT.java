package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hub serves MQTT on Netty's epoll transport where Linux offers it, and on NIO everywhere else. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportIT {
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void publishAndSubscribeWorkOnEachTransport(String transport, @TempDir Path dir) throws Exception {
        assumeTrue(!transport.equals("epoll") || Epoll.isAvailable(), "epoll is not available here");
        List<String> jvm = transport.equals("nio")
                ? List.of("-Xmx128m", "-Dbaetyl.hub.transport=nio") : List.of("-Xmx128m");
        try (HubProcess hub = new HubProcess(dir, "").start(jvm)) {
            // the port accepts as soon as it is bound; the log line follows
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(hub.output()).contains("transport=" + transport));
            try (var sub = TestHub.client(hub.url(), "s", "u1", "p1", true, 60).connect();
                 var pub = TestHub.client(hub.url(), "p", "u1", "p1", true, 60).connect()) {
                sub.subscribe("t/#", 1);
                pub.publish("t/a", "zero", 0, false);
                pub.publish("t/b", "one", 1, false);
                await().atMost(Duration.ofSeconds(60))
                        .untilAsserted(() -> assertThat(sub.payloads()).containsExactlyInAnyOrder("zero", "one"));
            }
            assertThat(hub.terminate()).isZero();
        }
    }
}
