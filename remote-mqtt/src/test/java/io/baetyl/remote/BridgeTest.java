package io.baetyl.remote;

import io.baetyl.hub.testing.Certs;
import io.baetyl.hub.testing.LocalHub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.mqtt.MqttClientConfig;
import io.baetyl.sdk.testing.DynsecMosquitto;
import io.baetyl.sdk.testing.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge between our hub and real remotes: Mosquitto over TLS with client certificates, and a second hub.
 * Messages are checked with independent Paho clients on both sides.
 */
@Timeout(240)
class BridgeTest {
    /** How long to wait for a state the bridge reaches by itself; generous, for a loaded machine. */
    static final Duration PATIENCE = Duration.ofSeconds(60);
    @TempDir
    static Path pki;
    static Certs certs;

    @TempDir
    Path tmp;
    LocalHub hub;
    RemoteBroker cloud;
    RemoteMqtt bridge;
    final List<Map<String, Object>> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<AutoCloseable> closing = new java.util.ArrayList<>();

    @BeforeAll
    static void makeCerts() throws Exception {
        certs = Certs.create(pki.resolve("cloud"), "cloud-ca", "bridge");
    }

    @BeforeEach
    void start() throws Exception {
        hub = new LocalHub();
        cloud = new RemoteBroker(tmp.resolve("cloud"), certs);
    }

    @AfterEach
    void stop() throws Exception {

        if (bridge != null) {
            bridge.close();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
        cloud.close();
        hub.close();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closing.add(c);
        return c;
    }

    static MqttClientConfig.Subscription sub(String topic, int qos) {
        return new MqttClientConfig.Subscription(topic, qos);
    }

    RemoteMqttConfig.Remote cloudRemote(String name) {
        RemoteMqttConfig.Remote r = new RemoteMqttConfig.Remote();
        r.name = name;
        r.address = cloud.tlsAddress();
        r.ca = certs.ca.toString();
        r.cert = certs.clientCert.toString();
        r.key = certs.clientKey.toString();
        r.interval = Duration.ofSeconds(1);
        r.timeout = Duration.ofSeconds(5);
        return r;
    }

    RemoteMqttConfig config(List<RemoteMqttConfig.Remote> remotes, RemoteMqttConfig.Rule... rules) {
        RemoteMqttConfig c = new RemoteMqttConfig();
        c.hub.address = hub.url();
        c.hub.username = "u1";
        c.hub.password = "p1";
        c.hub.interval = Duration.ofSeconds(1);
        c.remotes.addAll(remotes);
        c.rules.addAll(List.of(rules));
        c.report.interval = Duration.ofMillis(200);
        c.validate();
        return c;
    }

    static RemoteMqttConfig.Rule rule(String remote, List<MqttClientConfig.Subscription> hubSubs,
                                      List<MqttClientConfig.Subscription> remoteSubs) {
        RemoteMqttConfig.Rule r = new RemoteMqttConfig.Rule();
        r.remote.name = remote;
        r.hub.subscriptions.addAll(hubSubs);
        r.remote.subscriptions.addAll(remoteSubs);
        return r;
    }

    RemoteMqtt startBridge(RemoteMqttConfig c) throws Exception {
        bridge = new RemoteMqtt(c, reports::add).start();
        bridge.subscribed().get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        return bridge;
    }

    @SuppressWarnings("unchecked")
    static long counter(RemoteMqtt b, int rule, String direction, String key) {
        return ((Number) ((Map<String, Object>) b.ruleStats(rule).get(direction)).get(key)).longValue();
    }

    @Test
    void bothDirectionsKeepTopicQosAndPayload() throws Exception {
        startBridge(config(List.of(cloudRemote("cloud")),
                rule("cloud", List.of(sub("up/#", 1)), List.of(sub("down/#", 1)))));
        Observer inCloud = closeLater(new Observer(cloud.plainAddress(), "cloud-app", null, null, false)).subscribe("up/#", 1);
        Observer atEdge = closeLater(new Observer(hub.url(), "edge-app", "u1", "p1", false)).subscribe("down/#", 1);

        atEdge.publish("up/a", 0, "zero up");
        atEdge.publish("up/b/c", 1, "one up");
        inCloud.publish("down/x", 0, "zero down");
        inCloud.publish("down/y/z", 1, "one down");

        await().atMost(PATIENCE).until(() -> inCloud.received.size() == 2 && atEdge.received.size() == 2);
        assertThat(inCloud.received).containsExactlyInAnyOrder(
                new Observer.Received("up/a", 0, "zero up"), new Observer.Received("up/b/c", 1, "one up"));
        assertThat(atEdge.received).containsExactlyInAnyOrder(
                new Observer.Received("down/x", 0, "zero down"), new Observer.Received("down/y/z", 1, "one down"));
        await().atMost(PATIENCE).until(() -> counter(bridge, 0, "hub_to_remote", "forwarded") == 2
                && counter(bridge, 0, "remote_to_hub", "forwarded") == 2);
        assertThat(counter(bridge, 0, "hub_to_remote", "pending")).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> remoteSide = (Map<String, Object>) bridge.ruleStats(0).get("remote");
        assertThat(remoteSide).containsEntry("connected", true).containsEntry("clientid", "cloud");
        // The same counters reach the master's reportInstance every report.interval.
        await().atMost(PATIENCE).until(() -> reports.stream().anyMatch(r -> r.toString()
                .contains("hub_to_remote={forwarded=2, pending=0")));
        assertThat(reports.get(reports.size() - 1)).containsOnlyKeys("remote_stats");
    }

    @Test
    void severalRemotesAndRulesRouteIndependently() throws Exception {
        try (LocalHub second = new LocalHub()) {
            RemoteMqttConfig.Remote other = new RemoteMqttConfig.Remote();
            other.name = "second";
            other.address = second.url();
            other.username = "u1";
            other.password = "p1";
            other.clientid = "edge-on-second";
            other.interval = Duration.ofSeconds(1);
            RemoteMqttConfig.Rule toSecond = rule("second", List.of(sub("b/#", 1)), List.of(sub("from-second", 1)));
            RemoteMqttConfig.Rule alsoCloud = rule("cloud", List.of(sub("c/#", 0)), List.of());
            alsoCloud.remote.clientid = "cloud-rule-3";
            startBridge(config(List.of(cloudRemote("cloud"), other),
                    rule("cloud", List.of(sub("a/#", 1)), List.of()), toSecond, alsoCloud));

            Observer inCloud = closeLater(new Observer(cloud.plainAddress(), "cloud-app", null, null, false)).subscribe("#", 1);
            Observer inSecond = closeLater(new Observer(second.url(), "second-app", "u1", "p1", false)).subscribe("#", 1);
            Observer atEdge = closeLater(new Observer(hub.url(), "edge-app", "u1", "p1", false)).subscribe("from-second", 1);

            atEdge.publish("a/1", 1, "to cloud");
            atEdge.publish("b/1", 1, "to second");
            atEdge.publish("c/1", 1, "to cloud, qos 0 rule");
            inSecond.publish("from-second", 1, "to edge");

            await().atMost(PATIENCE).until(() -> inCloud.received.size() == 2
                    && atEdge.received.size() == 1 && inSecond.payloads().contains("to second"));
            assertThat(inCloud.received).containsExactlyInAnyOrder(
                    new Observer.Received("a/1", 1, "to cloud"),
                    // the rule subscribed with QoS 0, so the hub delivered (and the bridge forwarded) QoS 0
                    new Observer.Received("c/1", 0, "to cloud, qos 0 rule"));
            assertThat(inSecond.payloads()).containsExactlyInAnyOrder("to second", "to edge");
            assertThat(atEdge.received).containsExactly(new Observer.Received("from-second", 1, "to edge"));
            // client ids follow the original's precedence
            @SuppressWarnings("unchecked")
            Map<String, Object> secondRemote = (Map<String, Object>) bridge.ruleStats(1).get("remote");
            @SuppressWarnings("unchecked")
            Map<String, Object> thirdHub = (Map<String, Object>) bridge.ruleStats(2).get("hub");
            assertThat(secondRemote).containsEntry("clientid", "edge-on-second");
            assertThat(thirdHub).containsEntry("clientid", "cloud-rule-3");
        }
    }

    /**
     * Publishes numbered QoS 1 messages until stopped; a publish that fails (the broker is away) is repeated once the
     * client has reconnected, so every number up to {@link #sent} was acknowledged by the broker.
     */
    static final class Stream implements AutoCloseable {
        final Observer client;
        final String prefix;
        final java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        final Thread thread;

        Stream(Observer client, String prefix) {
            this.client = client;
            this.prefix = prefix;
            this.thread = new Thread(this::run, "stream-" + prefix);
            thread.start();
        }

        private void run() {
            int i = 0;
            while (running.get()) {
                try {
                    client.publish(prefix + (i % 7), 1, Integer.toString(i)); // returns after the broker's PUBACK
                    sent.set(++i);
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the broker is away: the client reconnects by itself; send the same number again then
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(client.paho::isConnected);
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    static long distinct(Observer o) {
        return o.payloads().stream().distinct().count();
    }

    @SuppressWarnings("unchecked")
    static boolean hubConnected(RemoteMqtt b) {
        return Boolean.TRUE.equals(((Map<String, Object>) b.ruleStats(0).get("hub")).get("connected"));
    }

    @SuppressWarnings("unchecked")
    static boolean remoteConnected(RemoteMqtt b) {
        return Boolean.TRUE.equals(((Map<String, Object>) b.ruleStats(0).get("remote")).get("connected"));
    }

    @Test
    @Timeout(240)
    void bothDirectionsLoseNoQos1MessageWhileTheRemoteRestartsThreeTimes() throws Exception {
        startBridge(config(List.of(cloudRemote("cloud")),
                rule("cloud", List.of(sub("data/#", 1)), List.of(sub("cmd/#", 1)))));
        // Persistent observers: what a broker accepted while its reader was away is queued for it, also over a restart.
        Observer inCloud = closeLater(new Observer(cloud.plainAddress(), "cloud-app", null, null, true)).subscribe("data/#", 1);
        Observer atEdge = closeLater(new Observer(hub.url(), "edge-app", "u1", "p1", true)).subscribe("cmd/#", 1);
        Observer device = closeLater(new Observer(hub.url(), "device", "u1", "p1", true));
        Observer cloudApp = closeLater(new Observer(cloud.plainAddress(), "cloud-pub", null, null, true));
        try (Stream up = new Stream(device, "data/"); Stream down = new Stream(cloudApp, "cmd/")) {
            for (int restart = 1; restart <= 3; restart++) {
                // both directions flow (again): the bridge is connected and subscribed on both sides
                long upSeen = distinct(inCloud);
                long downSeen = distinct(atEdge);
                await().atMost(Duration.ofSeconds(60)).until(() -> distinct(inCloud) >= upSeen + 20 && distinct(atEdge) >= downSeen + 20);
                cloud.mosquitto.stop();
                await().atMost(PATIENCE).until(() -> !remoteConnected(bridge));
                cloud.mosquitto.start();
                await().atMost(PATIENCE).until(() -> remoteConnected(bridge));
            }
            long upSeen = distinct(inCloud);
            long downSeen = distinct(atEdge);
            await().atMost(Duration.ofSeconds(60)).until(() -> distinct(inCloud) >= upSeen + 20 && distinct(atEdge) >= downSeen + 20);
            up.close();
            down.close();
            // every message a broker acknowledged to its publisher arrives on the other side
            int upSent = up.sent.get();
            int downSent = down.sent.get();
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(inCloud.payloads().stream().map(Integer::parseInt).collect(Collectors.toSet()))
                        .containsAll(IntStream.range(0, upSent).boxed().toList());
                assertThat(atEdge.payloads().stream().map(Integer::parseInt).collect(Collectors.toSet()))
                        .containsAll(IntStream.range(0, downSent).boxed().toList());
            });
        }
        assertThat(inCloud.received).allMatch(r -> r.qos() == 1);
        assertThat(atEdge.received).allMatch(r -> r.qos() == 1);
        await().atMost(PATIENCE).until(() -> counter(bridge, 0, "hub_to_remote", "pending") == 0
                && counter(bridge, 0, "remote_to_hub", "pending") == 0);
        @SuppressWarnings("unchecked")
        Map<String, Object> remoteSide = (Map<String, Object>) bridge.ruleStats(0).get("remote");
        assertThat(((Number) remoteSide.get("connects")).longValue()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theBridgeSubscribesAgainAfterEveryRestartOfARemoteThatForgetsSessions() throws Exception {
        // no persistence: after a restart the remote knows nothing of the bridge's subscriptions
        try (Mosquitto forgetful = new Mosquitto(tmp.resolve("forgetful"), null).start()) {
            RemoteMqttConfig.Remote remote = new RemoteMqttConfig.Remote();
            remote.name = "forgetful";
            remote.address = forgetful.tcpAddress();
            remote.interval = Duration.ofSeconds(1);
            startBridge(config(List.of(remote), rule("forgetful", List.of(), List.of(sub("cmd/#", 1)))));
            Observer atEdge = closeLater(new Observer(hub.url(), "edge-app", "u1", "p1", false)).subscribe("cmd/#", 1);
            for (int restart = 0; restart <= 3; restart++) {
                if (restart > 0) {
                    forgetful.stop();
                    await().atMost(PATIENCE).until(() -> !remoteConnected(bridge));
                    forgetful.start();
                    await().atMost(PATIENCE).until(() -> remoteConnected(bridge));
                }
                String text = "after restart " + restart;
                try (Observer app = new Observer(forgetful.tcpAddress(), "app", null, null, false)) {
                    // the remote drops what nobody subscribes to: repeat until the bridge's new subscription takes it
                    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
                        app.publish("cmd/x", 1, text);
                        return atEdge.payloads().contains(text);
                    });
                }
            }
        }
    }

    @Test
    @EnabledIf("io.baetyl.sdk.testing.DynsecMosquitto#available")
    void aSubscriptionTheRemoteRefusesIsRetriedUntilItIsGranted() throws Exception {
        try (DynsecMosquitto secured = DynsecMosquitto.start(tmp.resolve("dynsec"));
             LogCapture log = new LogCapture("io.baetyl.sdk.mqtt")) {
            secured.createClient("bridge", "bridge-pw");
            secured.createClient("app", "app-pw");
            secured.allow("app", "sender", "publishClientSend", "cmd/#");
            RemoteMqttConfig.Remote remote = new RemoteMqttConfig.Remote();
            remote.name = "secured";
            remote.address = secured.tcpAddress();
            remote.username = "bridge";
            remote.password = "bridge-pw";
            remote.interval = Duration.ofSeconds(1);
            bridge = new RemoteMqtt(config(List.of(remote), rule("secured", List.of(), List.of(sub("cmd/#", 1)))), s -> { })
                    .start();
            // refused with SUBACK 0x80: logged, and tried again on the same connection
            await().atMost(PATIENCE).until(() -> log.lines.stream()
                    .filter(l -> l.startsWith("WARN") && l.contains("'cmd/#' refused") && l.contains("trying again")).count() >= 2);
            assertThat(bridge.subscribed()).isNotDone();
            secured.defaultAccess("subscribe", true);
            bridge.subscribed().get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(log.contains("INFO", "mqtt subscribed after", "cmd/#")).isTrue();
            @SuppressWarnings("unchecked")
            Map<String, Object> remoteSide = (Map<String, Object>) bridge.ruleStats(0).get("remote");
            assertThat(remoteSide).containsEntry("connects", 1L);
            Observer atEdge = closeLater(new Observer(hub.url(), "edge-app", "u1", "p1", false)).subscribe("cmd/#", 1);
            Observer app = closeLater(new Observer(secured.tcpAddress(), "app", "app", "app-pw", false));
            app.publish("cmd/go", 1, "granted");
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(atEdge.payloads()).containsExactly("granted"));
        }
    }

    @Test
    void whatTheRemoteDidNotAcknowledgeStaysUnacknowledgedAtTheHubForTheNextRun() throws Exception {
        RemoteMqttConfig cfg = config(List.of(cloudRemote("cloud")), rule("cloud", List.of(sub("data", 1)), List.of()));
        startBridge(cfg);
        Observer inCloud = closeLater(new Observer(cloud.plainAddress(), "cloud-app", null, null, true)).subscribe("data", 1);
        Observer device = closeLater(new Observer(hub.url(), "device", "u1", "p1", false));
        cloud.mosquitto.stop();
        for (int i = 0; i < 20; i++) {
            device.publish("data", 1, "m" + i);
        }
        // The hub handed all of them to the bridge, which cannot pass them on and so has not acknowledged them.
        await().atMost(PATIENCE).until(() -> counter(bridge, 0, "hub_to_remote", "pending") == 20);
        assertThat(counter(bridge, 0, "hub_to_remote", "forwarded")).isZero();
        bridge.close(); // the bridge goes away with the messages only in its memory

        cloud.mosquitto.start();
        bridge = new RemoteMqtt(cfg, s -> { }).start(); // same client ids: the hub redelivers the unacknowledged ones
        await().atMost(PATIENCE).until(() -> inCloud.payloads().stream().distinct().count() == 20);
        assertThat(inCloud.payloads()).containsAll(IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
    }

    @Test
    void noQos1MessageIsLostWhileTheHubRestarts() throws Exception {
        hub.close();
        hub = new LocalHub(tmp.resolve("hub")); // a persistent hub: sessions and queued messages survive its restart
        startBridge(config(List.of(cloudRemote("cloud")), rule("cloud", List.of(), List.of(sub("cmd/#", 1)))));
        Observer atEdge = closeLater(new Observer(hub.url(), "edge-app", "u1", "p1", true)).subscribe("cmd/#", 1);
        Observer cloudApp = closeLater(new Observer(cloud.plainAddress(), "cloud-app", null, null, false));
        int n = 200;
        Thread publisher = new Thread(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    cloudApp.publish("cmd/" + (i % 3), 1, Integer.toString(i));
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        publisher.start();
        await().atMost(PATIENCE).until(() -> atEdge.received.size() >= 30);
        hub.stop();
        await().atMost(PATIENCE).until(() -> !hubConnected(bridge)); // the stream goes on into the remote meanwhile
        hub.start();
        publisher.join(30_000);

        await().atMost(PATIENCE).until(() -> atEdge.payloads().stream().distinct().count() == n);
        assertThat(atEdge.received).allMatch(r -> r.qos() == 1);
        await().atMost(PATIENCE).until(() -> counter(bridge, 0, "remote_to_hub", "pending") == 0);
        @SuppressWarnings("unchecked")
        Map<String, Object> hubSide = (Map<String, Object>) bridge.ruleStats(0).get("hub");
        assertThat(((Number) hubSide.get("connects")).longValue()).isGreaterThanOrEqualTo(2);
    }
}
