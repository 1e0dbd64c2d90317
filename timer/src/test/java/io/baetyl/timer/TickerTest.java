package io.baetyl.timer;

import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.sdk.mqtt.HubClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/** The timer publishing into a real hub, checked by an independent Paho subscriber. */
@Timeout(60)
class TickerTest {
    record Tick(long receivedAt, int qos, Map<String, Object> body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> BODY = new TypeReference<>() { };

    LocalHub hub;
    MqttClient subscriber;
    final List<Tick> ticks = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startHub() throws Exception {
        hub = new LocalHub();
        subscriber = new MqttClient(hub.url(), "watcher", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("u1");
        o.setPassword("p1".toCharArray());
        subscriber.connect(o);
    }

    @AfterEach
    void stopHub() throws Exception {
        if (subscriber.isConnected()) {
            subscriber.disconnect();
        }
        subscriber.close();
        hub.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void publishesPayloadPlusTimeOnSchedule(int qos) throws Exception {
        subscriber.subscribe("tick", 1, (topic, m) -> ticks.add(new Tick(System.currentTimeMillis(), m.getQos(),
                JSON.readValue(m.getPayload(), BODY))));
        TimerConfig cfg = new TimerConfig();
        cfg.hub.address = hub.url();
        cfg.hub.username = "u1";
        cfg.hub.password = "p1";
        cfg.hub.clientid = "timer-1";
        cfg.timer.interval = Duration.ofMillis(300);
        cfg.publish.topic = "tick";
        cfg.publish.qos = qos;
        cfg.publish.payload = Map.of("id", 1, "name", "t");
        cfg.validate();

        try (HubClient client = new HubClient(cfg.hub, null).start()) {
            // connected first: ticks made while connecting would wait in the client's buffer and arrive together
            client.connected().get(60, java.util.concurrent.TimeUnit.SECONDS);
            long started = System.currentTimeMillis();
            try (Ticker ticker = new Ticker(cfg, client, Clock.systemUTC()).start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> ticks.size() >= 6);
                // A fixed-rate schedule: a tick is never early. It may be late on a busy machine (and the next ones
                // then follow closely), so only the lower bound is checked: the k-th no sooner than k intervals.
                for (int k = 0; k < 6; k++) {
                    assertThat(ticks.get(k).receivedAt() - started).as("tick %d", k + 1)
                            .isGreaterThanOrEqualTo((k + 1) * 300L - 50);
                }
                for (Tick t : ticks) {
                    assertThat(t.qos()).isEqualTo(qos);
                    assertThat(t.body()).containsEntry("id", 1).containsEntry("name", "t").containsKey("time");
                    long time = ((Number) t.body().get("time")).longValue();
                    assertThat(time).isBetween(started / 1000 - 1, System.currentTimeMillis() / 1000 + 1);
                }
                // QoS 1 ticks are acknowledged by the hub; QoS 0 ones complete once written.
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        ((Number) ticker.stats().get("acknowledged")).longValue() >= 6);
                assertThat(ticker.stats()).containsEntry("failed", 0L);
            }
        }
    }
}
