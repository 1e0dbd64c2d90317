package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * QoS 2 end to end across a {@code kill -9} of the hub mid-stream: a persistent publisher streams QoS 2 with many
 * messages in flight to a persistent QoS 2 subscriber; the hub is killed, restarted on its data, and both clients
 * reconnect with their sessions (Paho keeps its own in-flight state). Every message the publisher handed over arrives
 * exactly once: 0 lost, 0 duplicated.
 */
@Timeout(180)
class Qos2CrashIT {
    /** Bounded load: the hub is killed after a third of them arrived, with the rest in flight or still to send. */
    private static final int MESSAGES = 600;
    @TempDir
    Path dir;

    private static MqttConnectOptions options() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("u1");
        o.setPassword("p1".toCharArray());
        o.setCleanSession(false);
        o.setMaxInflight(50);
        o.setKeepAliveInterval(60);
        return o;
    }

    @Test
    void kill9MidStreamLosesAndDuplicatesNothing() throws Exception {
        try (HubProcess hub = new HubProcess(dir, "").start()) {
            Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
            MqttAsyncClient sub = new MqttAsyncClient(hub.url(), "q2-sub", new MemoryPersistence());
            sub.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.computeIfAbsent(new String(message.getPayload(), StandardCharsets.UTF_8),
                            k -> new AtomicInteger()).incrementAndGet();
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            sub.connect(options()).waitForCompletion(10_000);
            sub.subscribe("q2/#", 2).waitForCompletion(10_000);

            MqttAsyncClient pub = new MqttAsyncClient(hub.url(), "q2-pub", new MemoryPersistence());
            pub.connect(options()).waitForCompletion(10_000);
            Set<String> handedOver = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            Thread publisher = new Thread(() -> {
                for (int i = 0; i < MESSAGES && !stop.get(); i++) {
                    String payload = "m" + i;
                    try {
                        pub.publish("q2/x", payload.getBytes(StandardCharsets.UTF_8), 2, false);
                        handedOver.add(payload); // Paho has it and will resend it until PUBCOMP
                    } catch (MqttException e) {
                        if (e.getReasonCode() == MqttException.REASON_CODE_MAX_INFLIGHT) {
                            i--;
                            Thread.onSpinWait();
                        } else {
                            return; // the hub is gone
                        }
                    }
                }
            });
            publisher.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= MESSAGES / 3);
            hub.kill9(); // with QoS 2 in flight both ways, at every step of the handshake
            stop.set(true);
            publisher.join(5000);
            await().atMost(Duration.ofSeconds(10)).until(() -> !pub.isConnected() && !sub.isConnected());
            hub.start();
            sub.connect(options()).waitForCompletion(10_000);
            pub.connect(options()).waitForCompletion(10_000);
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(pub.getPendingDeliveryTokens()).isEmpty();
                assertThat(received.keySet()).containsAll(handedOver);
            });
            // what is still on its way would show up now as a duplicate
            sub.disconnect().waitForCompletion(10_000);
            pub.disconnect().waitForCompletion(10_000);
            List<String> duplicated = received.entrySet().stream().filter(e -> e.getValue().get() > 1)
                    .map(Map.Entry::getKey).toList();
            assertThat(duplicated).as("delivered more than once").isEmpty();
            assertThat(received.keySet()).as("delivered but never handed over").isSubsetOf(handedOver);
            assertThat(handedOver.size()).isGreaterThanOrEqualTo(MESSAGES / 3);
            assertThat(hub.terminate()).isZero();
        }
    }
}
