package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class PahoEndToEndIT {
    @TempDir
    Path dir;
    TestHub hub;

    private TestHub start(HubConfig c) {
        hub = TestHub.start(c, dir);
        return hub;
    }

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void qos0WildcardSubscriptionReceives() throws Exception {
        start(TestHub.config());
        try (var sub = hub.client("sub").connect().subscribe("a/+", 0);
             var pub = hub.client("pub").connect()) {
            pub.publish("a/b", "hello", 0, false);
            pub.publish("a/b/c", "not matched", 0, false);
            pub.publish("a/c", "world", 0, false);
            await().untilAsserted(() -> assertThat(sub.payloads()).containsExactly("hello", "world"));
            assertThat(sub.received.get(0).qos()).isZero();
            assertThat(sub.received.get(0).retained()).isFalse();
        }
    }

    @Test
    void qosIsDowngradedToTheSubscriptionQos() throws Exception {
        start(TestHub.config());
        try (var s1 = hub.client("s1").connect().subscribe("q/one", 1);
             var s0 = hub.client("s0").connect().subscribe("q/#", 0);
             var pub = hub.client("pub").connect()) {
            pub.publish("q/one", "m1", 1, false);
            pub.publish("q/one", "m0", 0, false);
            await().untilAsserted(() -> assertThat(s1.payloads()).containsExactlyInAnyOrder("m1", "m0"));
            await().untilAsserted(() -> assertThat(s0.payloads()).containsExactlyInAnyOrder("m1", "m0"));
            assertThat(s1.received).filteredOn(r -> r.payload().equals("m1")).extracting(TestHub.Client.Received::qos).containsExactly(1);
            assertThat(s1.received).filteredOn(r -> r.payload().equals("m0")).extracting(TestHub.Client.Received::qos).containsExactly(0);
            assertThat(s0.received).extracting(TestHub.Client.Received::qos).containsOnly(0);
        }
    }

    @Test
    void overlappingSubscriptionsDeliverOneCopy() throws Exception {
        start(TestHub.config());
        try (var sub = hub.client("sub").connect().subscribe("o/#", 1).subscribe("o/+", 0);
             var pub = hub.client("pub").connect()) {
            pub.publish("o/x", "q1", 1, false);
            pub.publish("o/x", "q0", 0, false);
            pub.publish("o/x", "end", 1, false);
            await().untilAsserted(() -> assertThat(sub.payloads()).contains("end"));
            assertThat(sub.payloads()).containsExactlyInAnyOrder("q1", "q0", "end");
            assertThat(sub.received).filteredOn(r -> r.payload().equals("q1")).extracting(TestHub.Client.Received::qos).containsExactly(1);
        }
    }

    @Test
    void badCredentialsAreRefusedWithBadUsernameOrPassword() throws Exception {
        start(TestHub.config());
        for (String[] creds : new String[][] {{"u1", "wrong"}, {"nobody", "p1"}, {"u1", null}}) {
            try (var c = TestHub.client(hub.url(), "c", creds[0], creds[1], true, 60)) {
                assertThatThrownBy(c::connect).isInstanceOf(MqttException.class)
                        .extracting(e -> ((MqttException) e).getReasonCode()).isEqualTo((int) MqttException.REASON_CODE_FAILED_AUTHENTICATION);
            }
        }
        try (var c = TestHub.client(hub.url(), "bad id!", "u1", "p1", true, 60)) {
            assertThatThrownBy(c::connect).extracting(e -> ((MqttException) e).getReasonCode())
                    .isEqualTo((int) MqttException.REASON_CODE_INVALID_CLIENT_ID);
        }
    }

    @Test
    void unauthorizedSubscribeGets0x80AndUnauthorizedPublishClosesTheConnection() throws Exception {
        start(TestHub.config());
        try (var c = hub.client("c2", "u2", "p2", true).connect();
             var other = hub.client("other").connect().subscribe("#", 0)) {
            int[] granted = c.paho.subscribeWithResponse(new String[] {"allowed/x", "denied", "$SYS/#"}, new int[] {1, 0, 0}).getGrantedQos();
            assertThat(granted).containsExactly(1, 128, 128);
            c.publish("allowed/x", "ok", 0, false);
            await().untilAsserted(() -> assertThat(other.payloads()).containsExactly("ok"));
            try {
                c.publish("denied", "no", 1, false);
            } catch (MqttException expected) {
                // the hub closes the connection instead of acknowledging
            }
            await().until(() -> !c.paho.isConnected());
            // the other client is unaffected
            other.publish("allowed/y", "still here", 1, false);
            await().untilAsserted(() -> assertThat(other.payloads()).containsExactly("ok", "still here"));
        }
    }

    @Test
    void retainedIsSentToNewSubscribersAndEmptyPayloadDeletesIt() throws Exception {
        start(TestHub.config());
        try (var pub = hub.client("pub").connect()) {
            pub.publish("r/a", "kept", 1, true);
            pub.publish("r/b", "kept0", 0, true);
            try (var sub = hub.client("sub").connect()) {
                sub.subscribe("r/#", 1);
                await().untilAsserted(() -> assertThat(sub.received).extracting(TestHub.Client.Received::payload)
                        .containsExactlyInAnyOrder("kept", "kept0"));
                assertThat(sub.received).allMatch(TestHub.Client.Received::retained);
                assertThat(sub.received).filteredOn(r -> r.payload().equals("kept")).extracting(TestHub.Client.Received::qos).containsExactly(1);
                pub.publish("r/a", "live", 0, true);
                await().untilAsserted(() -> assertThat(sub.payloads()).contains("live"));
                assertThat(sub.received.get(sub.received.size() - 1).retained()).isFalse();
            }
            pub.publish("r/a", "", 1, true);
            pub.publish("r/b", "", 0, true);
            pub.publish("r/c", "marker", 0, true);
            try (var sub = hub.client("sub2").connect()) {
                sub.subscribe("r/#", 0);
                await().untilAsserted(() -> assertThat(sub.payloads()).containsExactly("marker"));
            }
        }
    }

    @Test
    void willIsSentOnTakeoverAndAbnormalCloseButNotOnDisconnect() throws Exception {
        start(TestHub.config());
        try (var watcher = hub.client("watcher").connect().subscribe("will/#", 1)) {
            var a = hub.client("a");
            a.options.setWill("will/a", "a died".getBytes(), 1, false);
            a.connect();
            a.paho.disconnect();
            a.close();
            // takeover: a second "a" replaces the first, whose will goes out
            var a1 = hub.client("a");
            a1.options.setWill("will/a", "a1 replaced".getBytes(), 1, false);
            a1.connect();
            var a2 = hub.client("a").connect();
            await().untilAsserted(() -> assertThat(watcher.payloads()).containsExactly("a1 replaced"));
            await().until(() -> a1.lost != null);
            a1.close();
            // abnormal close: the socket just goes away
            var b = hub.client("b");
            b.options.setWill("will/b", "b died".getBytes(), 0, true);
            b.connect();
            b.paho.disconnectForcibly(0, 0, false);
            await().untilAsserted(() -> assertThat(watcher.payloads()).containsExactly("a1 replaced", "b died"));
            a2.close();
            b.close();
            // the will was retained
            try (var late = hub.client("late").connect()) {
                late.subscribe("will/b", 0);
                await().untilAsserted(() -> assertThat(late.payloads()).containsExactly("b died"));
            }
        }
    }

    @Test
    void persistentSessionGetsOfflineQos1AndSessionPresent() throws Exception {
        start(TestHub.config());
        try (var p = hub.client("p", "u1", "p1", false).connect()) {
            assertThat(p.sessionPresent).isFalse();
            p.subscribe("off/#", 1);
        }
        try (var pub = hub.client("pub").connect()) {
            for (int i = 0; i < 5; i++) {
                pub.publish("off/x", "m" + i, 1, false);
            }
            pub.publish("off/x", "q0 lost while offline", 0, false);
        }
        try (var p = hub.client("p", "u1", "p1", false).connect()) {
            assertThat(p.sessionPresent).isTrue();
            await().untilAsserted(() -> assertThat(p.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4"));
        }
        // clean session discards it all
        try (var p = hub.client("p", "u1", "p1", true).connect()) {
            assertThat(p.sessionPresent).isFalse();
        }
        try (var pub = hub.client("pub").connect()) {
            pub.publish("off/x", "after clean", 1, false);
        }
        try (var p = hub.client("p", "u1", "p1", false).connect()) {
            assertThat(p.sessionPresent).isFalse();
            p.subscribe("off/#", 1);
            try (var pub = hub.client("pub").connect()) {
                pub.publish("off/x", "new", 1, false);
            }
            await().untilAsserted(() -> assertThat(p.payloads()).containsExactly("new"));
        }
    }

    @Test
    void subscriptionsRoutesRepublishAndChain() throws Exception {
        HubConfig c = TestHub.config();
        c.subscriptions = List.of(route("src/#", 1, "mid", 1), route("mid", 1, "final", 1), route("zero/+", 0, "final0", 0));
        start(c);
        try (var sub = hub.client("sub").connect().subscribe("final", 1).subscribe("final0", 1).subscribe("mid", 0);
             var pub = hub.client("pub").connect()) {
            pub.publish("src/a", "one", 1, false);
            pub.publish("src/b", "two", 0, false);
            pub.publish("zero/x", "three", 1, false);
            await().untilAsserted(() -> assertThat(sub.received).extracting(r -> r.topic() + ":" + r.payload() + ":" + r.qos())
                    .containsExactlyInAnyOrder("mid:one:0", "final:one:1", "mid:two:0", "final:two:0", "final0:three:0"));
        }
    }

    static HubConfig.Subscription route(String src, int sq, String dst, int dq) {
        HubConfig.Subscription s = new HubConfig.Subscription();
        s.source = new HubConfig.Endpoint(src, sq);
        s.target = new HubConfig.Endpoint(dst, dq);
        return s;
    }

    @Test
    void qos2IsGrantedAndDeliveredAtQos2AndMinQosHolds() throws Exception {
        start(TestHub.config());
        try (var sub = hub.client("sub").connect();
             var sub1 = hub.client("sub1").connect();
             var pub = hub.client("pub").connect()) {
            int[] granted = sub.paho.subscribeWithResponse(new String[] {"two"}, new int[] {2}).getGrantedQos();
            assertThat(granted).containsExactly(2);
            sub1.subscribe("two", 1);
            pub.publish("two", "exactly", 2, false);
            pub.publish("two", "once", 1, false);
            // a QoS 2 message reaches the application at PUBREL, so the two may arrive in either order
            await().untilAsserted(() -> assertThat(sub.payloads()).containsExactlyInAnyOrder("exactly", "once"));
            await().untilAsserted(() -> assertThat(sub1.payloads()).containsExactlyInAnyOrder("exactly", "once"));
            // the lower of the subscription's and the message's QoS
            assertThat(sub.received).anySatisfy(r -> assertThat(r).extracting("payload", "qos").containsExactly("exactly", 2))
                    .anySatisfy(r -> assertThat(r).extracting("payload", "qos").containsExactly("once", 1));
            assertThat(sub1.received).allSatisfy(r -> assertThat(r.qos()).isEqualTo(1));
            assertThat(pub.paho.isConnected()).isTrue();
        }
    }

    @Test
    void oversizeMessageClosesOnlyThatConnection() throws Exception {
        HubConfig c = TestHub.config();
        c.message.length.max = io.baetyl.sdk.config.ByteSize.ofBytes(1024);
        start(c);
        try (var sub = hub.client("sub").connect().subscribe("big", 0);
             var big = hub.client("big").connect();
             var pub = hub.client("pub").connect()) {
            pub.publish("big", "x".repeat(900), 0, false);
            try {
                big.publish("big", "x".repeat(2000), 1, false);
            } catch (MqttException expected) {
                // connection dropped
            }
            await().until(() -> !big.paho.isConnected());
            pub.publish("big", "small", 0, false);
            await().untilAsserted(() -> assertThat(sub.payloads()).containsExactly("x".repeat(900), "small"));
        }
    }

    @Test
    void metricsCountTraffic() throws Exception {
        start(TestHub.config());
        try (var sub = hub.client("sub").connect().subscribe("m", 1);
             var pub = hub.client("pub").connect()) {
            pub.publish("m", "a", 1, false);
            pub.publish("m", "b", 0, false);
            await().untilAsserted(() -> assertThat(sub.payloads()).hasSize(2));
            var m = TestHub.metrics(hub);
            assertThat(m).containsEntry("connections", 2L).containsEntry("messages_in_qos0", 1L).containsEntry("messages_in_qos1", 1L)
                    .containsEntry("messages_out_qos1", 1L).containsEntry("messages_persisted", 1L);
            assertThat((Long) m.get("bytes_in")).isPositive();
        }
    }

    @Test
    void shutdownSendsWillsAndPersistsQueuedMessages(@TempDir Path d2) throws Exception {
        start(TestHub.config());
        var p = hub.client("p", "u1", "p1", false).connect().subscribe("s/#", 1);
        p.close();
        var w = hub.client("w");
        w.options.setWill("s/will", "bye".getBytes(), 1, false);
        w.connect();
        hub.hub.close();
        w.close();
        hub.hub = new io.baetyl.hub.Hub(hub.config, dir, m -> { }).start();
        try (var p2 = TestHub.client(hub.url(), "p", "u1", "p1", false, 60).connect()) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(p2.payloads()).containsExactly("bye"));
        }
    }
}
