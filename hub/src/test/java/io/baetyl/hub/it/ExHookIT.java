package io.baetyl.hub.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.exhook.ExHookConfig;
import io.baetyl.hub.testing.Certs;
import io.baetyl.sdk.testing.FreePorts;
import io.emqx.exhook.ClientAuthorizeRequest;
import io.emqx.exhook.ClientConnectRequest;
import io.emqx.exhook.ClientSubscribeRequest;
import io.emqx.exhook.MessagePublishRequest;
import io.emqx.exhook.ValuedResponse;
import io.emqx.exhook.ValuedResponse.ResponsedType;
import com.google.protobuf.ByteString;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The hub's ExHook client against hook providers in Java (grpc-java servers on random loopback ports). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExHookIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    static ExHookConfig.Server server(String name, int port, String failedAction, String timeout, String reconnect) {
        ExHookConfig.Server s = new ExHookConfig.Server();
        s.name = name;
        s.url = "http://127.0.0.1:" + port;
        s.failedAction = failedAction;
        s.requestTimeout = timeout;
        s.autoReconnect = reconnect;
        s.poolSize = 2;
        return s;
    }

    private TestHub hub(ExHookConfig.Server... servers) {
        HubConfig c = TestHub.config();
        c.exhook.servers = new ArrayList<>(List.of(servers));
        return TestHub.start(c, null);
    }

    private static io.emqx.exhook.Message rewrite(MessagePublishRequest r, String topic, String payload) {
        return r.getMessage().toBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    @Test
    void serversAreCalledInOrderAndMayRewriteOrStop() throws Exception {
        try (FakeHookProvider a = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of()));
             FakeHookProvider b = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of()));
             FakeHookProvider c = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of()));
             FakeHookProvider d = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of()))) {
            a.onPublish = r -> FakeHookProvider.answer(ResponsedType.CONTINUE, rewrite(r, "moved/" + r.getMessage().getTopic(), "A"));
            b.onPublish = r -> FakeHookProvider.answer(ResponsedType.IGNORE, rewrite(r, "ignored", "B"));
            c.onPublish = r -> FakeHookProvider.answer(ResponsedType.STOP_AND_RETURN,
                    rewrite(r, r.getMessage().getTopic(), r.getMessage().getPayload().toStringUtf8() + "C"));
            try (TestHub h = hub(server("a", a.port, "deny", "5s", "60s"), server("b", b.port, "deny", "5s", "60s"),
                    server("c", c.port, "deny", "5s", "60s"), server("d", d.port, "deny", "5s", "60s"));
                 TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
                 TestHub.Client pub = h.client("pub").connect()) {
                pub.publish("t/1", "x", 1, false);
                await().atMost(WAIT).until(() -> !sub.received.isEmpty());
                assertThat(sub.received.get(0).topic()).isEqualTo("moved/t/1");
                assertThat(sub.received.get(0).payload()).isEqualTo("AC"); // B's IGNORE kept A's value, C stopped
                assertThat(b.published()).containsExactly("moved/t/1");
                assertThat(c.published()).containsExactly("moved/t/1");
                assertThat(d.published()).isEmpty();
                assertThat(a.requests("provider.loaded")).hasSize(1);
            }
            await().atMost(WAIT).until(() -> !a.requests("provider.unloaded").isEmpty());
        }
    }

    @Test
    void allowPublishFalseDropsButAcknowledgesAndFiltersSelectTopics() throws Exception {
        try (FakeHookProvider p = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of("t/#")))) {
            p.onPublish = r -> {
                io.emqx.exhook.Message m = r.getMessage();
                if (m.getTopic().equals("t/d")) {
                    m = m.toBuilder().setPayload(ByteString.EMPTY).putHeaders("allow_publish", "false").build();
                }
                return FakeHookProvider.answer(ResponsedType.STOP_AND_RETURN, m);
            };
            try (TestHub h = hub(server("p", p.port, "deny", "5s", "60s"));
                 TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
                 TestHub.Client pub = h.client("pub").connect()) {
                pub.publish("t/d", "dropped", 1, false); // returns once PUBACKed
                pub.publish("t/e", "kept", 1, false);
                pub.publish("other", "not hooked", 0, false);
                await().atMost(WAIT).until(() -> sub.received.size() >= 2);
                assertThat(sub.payloads()).containsExactlyInAnyOrder("kept", "not hooked");
                assertThat(p.published()).containsExactly("t/d", "t/e"); // "other" is outside the filter
                MessagePublishRequest first = (MessagePublishRequest) p.requests("message.publish").get(0);
                assertThat(first.getMessage().getFrom()).isEqualTo("pub");
                assertThat(first.getMessage().getHeadersMap()).containsEntry("username", "u1").containsEntry("peerhost", "127.0.0.1");
                assertThat(first.getMessage().getQos()).isEqualTo(1);
                assertThat(h.hub.broker().metricsSnapshot().get("messages_persisted")).isNotEqualTo(0);
            }
        }
    }

    @Test
    void notificationsCarryTheClient() throws Exception {
        Map<String, List<String>> all = new java.util.HashMap<>(Map.of("client.connect", List.of(), "client.connack", List.of(),
                "client.connected", List.of(), "client.disconnected", List.of(), "client.subscribe", List.of(),
                "client.unsubscribe", List.of(), "session.created", List.of(), "session.subscribed", List.of(),
                "session.unsubscribed", List.of(), "session.terminated", List.of()));
        all.put("message.delivered", List.of("a/#"));
        try (FakeHookProvider p = new FakeHookProvider(FreePorts.next(), all);
             TestHub h = hub(server("p", p.port, "ignore", "5s", "60s"))) {
            try (TestHub.Client c = h.client("watched").connect().subscribe("a/#", 1)) {
                c.publish("a/1", "to myself", 1, false);
                c.publish("b/1", "not delivered to anyone", 1, false);
                await().atMost(WAIT).until(() -> c.payloads().contains("to myself"));
                c.paho.unsubscribe("a/#");
            }
            await().atMost(WAIT).until(() -> !p.requests("session.terminated").isEmpty());
            for (String hook : all.keySet()) {
                assertThat(p.requests(hook)).as(hook).hasSize(1);
            }
            ClientConnectRequest connect = (ClientConnectRequest) p.requests("client.connect").get(0);
            assertThat(connect.getConninfo().getClientid()).isEqualTo("watched");
            assertThat(connect.getConninfo().getPeerhost()).isEqualTo("127.0.0.1");
            assertThat(connect.getConninfo().getSockport()).isEqualTo(h.port());
            assertThat(connect.getConninfo().getProtoVer()).isEqualTo("4");
            io.emqx.exhook.MessageDeliveredRequest d = (io.emqx.exhook.MessageDeliveredRequest) p.requests("message.delivered").get(0);
            assertThat(d.getMessage().getTopic()).isEqualTo("a/1");
            assertThat(d.getClientinfo().getClientid()).isEqualTo("watched");
            ClientSubscribeRequest s = (ClientSubscribeRequest) p.requests("client.subscribe").get(0);
            assertThat(s.getTopicFilters(0).getName()).isEqualTo("a/#");
            assertThat(s.getTopicFilters(0).getQos()).isEqualTo(1);
        }
    }

    @Test
    void ackedIsSentForPubackAndPubrecOfHookedTopics() throws Exception {
        try (FakeHookProvider p = new FakeHookProvider(FreePorts.next(), Map.of("message.acked", List.of("a/#")));
             TestHub h = hub(server("p", p.port, "ignore", "5s", "60s"));
             TestHub.Client q1 = h.client("q1").connect().subscribe("#", 1);
             TestHub.Client q2 = h.client("q2").connect().subscribe("a/#", 2);
             TestHub.Client pub = h.client("pub").connect()) {
            pub.publish("a/1", "one", 1, false);
            pub.publish("a/2", "two", 2, false);
            pub.publish("b/1", "outside the filter", 1, false);
            await().atMost(WAIT).until(() -> q1.received.size() == 3 && q2.received.size() == 2);
            // q1 PUBACKs a/1 and a/2 (QoS 1); q2 PUBACKs a/1 and PUBRECs a/2 (QoS 2: EMQX sends message.acked on PUBREC)
            await().atMost(WAIT).until(() -> p.requests("message.acked").size() >= 4);
            List<String> acked = p.requests("message.acked").stream().map(r -> (io.emqx.exhook.MessageAckedRequest) r)
                    .map(r -> r.getClientinfo().getClientid() + " " + r.getMessage().getTopic() + " " + r.getMessage().getQos()
                            + " " + r.getMessage().getPayload().toStringUtf8() + " from " + r.getMessage().getFrom())
                    .toList();
            assertThat(acked).containsExactlyInAnyOrder("q1 a/1 1 one from pub", "q1 a/2 1 two from pub",
                    "q2 a/1 1 one from pub", "q2 a/2 2 two from pub");
        }
    }

    @Test
    void droppedTellsNoSubscribersAndQueueFull() throws Exception {
        HubConfig c = TestHub.config();
        c.message.egress.qos0.session.size.max = io.baetyl.sdk.config.ByteSize.ofBytes(64 * 1024);
        c.exhook.servers = new ArrayList<>();
        try (FakeHookProvider p = new FakeHookProvider(FreePorts.next(), Map.of("message.dropped", List.of()))) {
            c.exhook.servers.add(server("p", p.port, "ignore", "5s", "60s"));
            try (TestHub h = TestHub.start(c, null)) {
                h.client("away", "u1", "p1", false).connect().subscribe("later/#", 1).close(); // persistent, offline
                try (TestHub.Client pub = h.client("pub").connect()) {
                    pub.publish("nobody/0", "q0", 0, false);
                    pub.publish("nobody/1", "q1", 1, false);
                    pub.publish("later/1", "kept for the offline session", 1, false);
                    pub.publish("later/0", "QoS 0 is not kept for it", 0, false);
                    await().atMost(WAIT).until(() -> p.requests("message.dropped").size() >= 3);
                    assertThat(dropped(p)).containsExactlyInAnyOrder("nobody/0 no_subscribers q0 from pub",
                            "nobody/1 no_subscribers q1 from pub", "later/0 no_subscribers QoS 0 is not kept for it from pub");
                    p.calls.clear();
                    // a subscriber that does not read: its QoS 0 queue gives up the oldest messages
                    try (Socket stuck = new Socket()) {
                        stuck.setReceiveBufferSize(4096);
                        stuck.connect(new java.net.InetSocketAddress("127.0.0.1", h.port()));
                        stuck.getOutputStream().write(RawClient.connectPacket("stuck", 0));
                        stuck.getOutputStream().write(RawClient.subscribePacket(1, "flood", 0));
                        await().atMost(WAIT).until(() -> h.hub.broker().hasSubscriber("flood", 0));
                        String payload = "x".repeat(4096);
                        for (int i = 0; i < 5000 && p.requests("message.dropped").isEmpty(); i++) {
                            pub.publish("flood", payload, 0, false);
                        }
                        await().atMost(WAIT).until(() -> !p.requests("message.dropped").isEmpty());
                        assertThat(dropped(p)).allMatch(d -> d.startsWith("flood queue_full xxxx"));
                        assertThat(((Number) h.hub.broker().metricsSnapshot().get("messages_dropped")).longValue()).isPositive();
                    }
                }
            }
        }
    }

    private static List<String> dropped(FakeHookProvider p) {
        return p.requests("message.dropped").stream().map(r -> (io.emqx.exhook.MessageDroppedRequest) r)
                .map(r -> r.getMessage().getTopic() + " " + r.getReason() + " " + r.getMessage().getPayload().toStringUtf8()
                        + " from " + r.getMessage().getFrom())
                .toList();
    }

    @Test
    void sessionTakenOverAndDiscarded() throws Exception {
        try (FakeHookProvider p = new FakeHookProvider(FreePorts.next(),
                Map.of("session.takenover", List.of(), "session.discarded", List.of(), "session.resumed", List.of()));
             TestHub h = hub(server("p", p.port, "ignore", "5s", "60s"))) {
            try (TestHub.Client first = h.client("car", "u1", "p1", false).connect().subscribe("x/#", 1);
                 TestHub.Client second = h.client("car", "u1", "p1", false).connect()) {
                await().atMost(WAIT).until(() -> p.requests("session.takenover").size() == 1);
                assertThat(second.sessionPresent).isTrue();
            }
            try (TestHub.Client clean = h.client("car", "u1", "p1", true).connect()) {
                await().atMost(WAIT).until(() -> p.requests("session.discarded").size() == 1);
            }
            assertThat(p.requests("session.resumed")).hasSize(1);
        }
    }

    @Test
    void authenticateAndAuthorizeDecideAfterThePrincipals() throws Exception {
        try (FakeHookProvider p = new FakeHookProvider(FreePorts.next(),
                Map.of("client.authenticate", List.of(), "client.authorize", List.of()))) {
            p.onAuthenticate = r -> FakeHookProvider.answer(ResponsedType.STOP_AND_RETURN,
                    !r.getClientinfo().getClientid().equals("banned")); // also lets "guest" in, unknown to the hub
            p.onAuthorize = r -> FakeHookProvider.answer(ResponsedType.STOP_AND_RETURN,
                    r.getType() == ClientAuthorizeRequest.AuthorizeReqType.PUBLISH ? r.getTopic().startsWith("guest/")
                            : r.getTopic().equals("guest/#") || (r.getResult() && !r.getTopic().startsWith("secret")));
            try (TestHub h = hub(server("p", p.port, "deny", "5s", "60s"));
                 TestHub.Client sub = h.client("sub").connect().subscribe("#", 1)) {
                assertThatThrownBy(() -> h.client("banned").connect())
                        .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(5));
                // SUBSCRIBE: the principals allow u1 everything, the hook refuses secret/#
                int[] granted = sub.paho.subscribeWithResponse(new String[] {"secret/#"}, new int[] {1}).getGrantedQos();
                assertThat(granted).containsExactly(0x80);
                try (TestHub.Client guest = h.client("guest", "guest", "whatever", true).connect()) {
                    guest.subscribe("guest/#", 1); // unknown to the principals, allowed by the hook
                    guest.publish("guest/hello", "hi", 1, false);
                    await().atMost(WAIT).until(() -> sub.payloads().contains("hi"));
                    assertThat(p.requests("client.authorize")).isNotEmpty();
                    // not authorized: closed like the hub's own refusal
                    guest.paho.publish("private", "no".getBytes(), 0, false);
                    await().atMost(WAIT).until(() -> !guest.paho.isConnected());
                }
                assertThat(sub.payloads()).doesNotContain("no");
            }
        }
    }

    @Test
    void perClientOrderIsKeptThroughThePool() throws Exception {
        // EMQX's behaviour (exhook.pipeline 1): the server sees one call of a client at a time
        assertThat(publishThroughASlowHook(1)).isEqualTo(1);
    }

    @Test
    void withSeveralCallsInFlightResultsAreStillAppliedInPublishOrder() throws Exception {
        assertThat(publishThroughASlowHook(8)).isBetween(2, 8);
    }

    /** 200 QoS 0 publishes of one client through a hook answering in 0-2 ms; returns how many calls were under way at most. */
    private int publishThroughASlowHook(int pipeline) throws Exception {
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        try (FakeHookProvider p = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of("slow/#")))) {
            p.onPublish = r -> {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(3));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inFlight.decrementAndGet();
                }
                return FakeHookProvider.answer(ResponsedType.CONTINUE, r.getMessage());
            };
            HubConfig c = TestHub.config();
            c.exhook.pipeline = pipeline;
            c.exhook.servers = new ArrayList<>(List.of(server("p", p.port, "deny", "5s", "60s")));
            try (TestHub h = TestHub.start(c, null);
                 TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
                 TestHub.Client pub = h.client("pub").connect()) {
                List<String> sent = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    // hooked and unhooked topics interleaved: the unhooked ones wait for the hooked ones before them
                    String topic = i % 3 == 0 ? "fast/" + i : "slow/" + i;
                    pub.publish(topic, Integer.toString(i), 0, false);
                    sent.add(Integer.toString(i));
                }
                await().atMost(WAIT).until(() -> sub.received.size() >= 200);
                assertThat(sub.payloads()).containsExactlyElementsOf(sent);
            }
        }
        return most.get();
    }

    @Test
    void serverDownAtStartIsLoadedPerAutoReconnect() throws Exception {
        int port = FreePorts.next();
        try (TestHub h = hub(server("late", port, "deny", "2s", "1s"));
             TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
             TestHub.Client pub = h.client("pub").connect()) {
            // nothing registered yet: clients are served
            pub.publish("t/1", "before", 1, false);
            await().atMost(WAIT).until(() -> sub.payloads().contains("before"));
            try (FakeHookProvider p = new FakeHookProvider(port, Map.of("message.publish", List.of()))) {
                // loaded once OnProviderLoaded answered and its pool is connected: from then on publishes go through it
                await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                    pub.publish("t/1", "after", 1, false);
                    return p.published().contains("t/1");
                });
                await().atMost(WAIT).until(() -> sub.payloads().contains("after"));
            }
        }
    }

    @Test
    void serverDyingMidStreamTakesFailedActionAndComesBack() throws Exception {
        int denyPort = FreePorts.next();
        int ignorePort = FreePorts.next();
        FakeHookProvider deny = new FakeHookProvider(denyPort, Map.of("message.publish", List.of("d/#")));
        FakeHookProvider ignore = new FakeHookProvider(ignorePort, Map.of("message.publish", List.of("i/#")));
        try (TestHub h = hub(server("deny", denyPort, "deny", "2s", "1s"), server("ignore", ignorePort, "ignore", "2s", "1s"));
             TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
             TestHub.Client pub = h.client("pub").connect()) {
            pub.publish("d/1", "d-up", 1, false);
            pub.publish("i/1", "i-up", 1, false);
            await().atMost(WAIT).until(() -> sub.payloads().containsAll(List.of("d-up", "i-up")));
            deny.close();
            ignore.close();
            // down: deny drops (still acknowledged), ignore skips the server; other topics and clients go on
            pub.publish("d/1", "d-down", 1, false);
            pub.publish("i/1", "i-down", 1, false);
            pub.publish("x/1", "unhooked", 1, false);
            try (TestHub.Client other = h.client("other").connect()) {
                other.publish("x/2", "other client", 1, false);
            }
            await().atMost(WAIT).until(() -> sub.payloads().containsAll(List.of("i-down", "unhooked", "other client")));
            assertThat(sub.payloads()).doesNotContain("d-down");
            // back on the same ports: loaded again after auto_reconnect
            try (FakeHookProvider deny2 = new FakeHookProvider(denyPort, Map.of("message.publish", List.of("d/#")));
                 FakeHookProvider ignore2 = new FakeHookProvider(ignorePort, Map.of("message.publish", List.of("i/#")))) {
                await().atMost(WAIT).until(() -> !deny2.requests("provider.loaded").isEmpty()
                        && !ignore2.requests("provider.loaded").isEmpty());
                await().atMost(WAIT).until(() -> h.hub.exhook().up("deny"));
                pub.publish("d/1", "d-again", 1, false);
                await().atMost(WAIT).until(() -> sub.payloads().contains("d-again"));
                assertThat(deny2.published()).contains("d/1");
            }
        } finally {
            deny.close();
            ignore.close();
        }
    }

    @Test
    void timeoutsAndUnusableAnswersTakeFailedAction() throws Exception {
        try (FakeHookProvider slow = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of("slow/#")));
             FakeHookProvider bad = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of("bad/#")))) {
            slow.onPublish = r -> {
                try {
                    Thread.sleep(r.getMessage().getTopic().equals("slow/deny") ? 3000 : 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return FakeHookProvider.answer(ResponsedType.CONTINUE, r.getMessage());
            };
            // a wildcard topic cannot be published to: an unusable answer
            bad.onPublish = r -> FakeHookProvider.answer(ResponsedType.CONTINUE, r.getMessage().toBuilder().setTopic("bad/+").build());
            try (TestHub h = hub(server("slow", slow.port, "deny", "500ms", "1s"), server("bad", bad.port, "ignore", "2s", "1s"));
                 TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
                 TestHub.Client pub = h.client("pub").connect()) {
                pub.publish("slow/deny", "timed out", 1, false);
                pub.publish("bad/1", "kept as it was", 1, false);
                pub.publish("slow/ok", "in time", 1, false);
                await().atMost(WAIT).until(() -> sub.payloads().containsAll(List.of("kept as it was", "in time")));
                assertThat(sub.payloads()).doesNotContain("timed out");
                assertThat(sub.received.stream().filter(r -> r.payload().equals("kept as it was")).findFirst().get().topic())
                        .isEqualTo("bad/1");
            }
        }
    }

    @Test
    void garbageFromANonGrpcServerTakesFailedAction() throws Exception {
        try (ServerSocket junk = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!junk.isClosed()) {
                    try (Socket s = junk.accept(); OutputStream o = s.getOutputStream()) {
                        o.write("HTTP/1.0 200 OK\r\n\r\nnot grpc at all".getBytes());
                        o.flush();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            try (TestHub h = hub(server("junk", junk.getLocalPort(), "deny", "1s", "60s"));
                 TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
                 TestHub.Client pub = h.client("pub").connect()) {
                // never loaded, so nothing is hooked: the hub serves as without it
                pub.publish("t/1", "served", 1, false);
                await().atMost(WAIT).until(() -> sub.payloads().contains("served"));
            }
        }
    }

    /**
     * ExHook over TLS with client certificates. gRPC runs on the project's Netty (grpc-netty, not grpc-netty-shaded
     * with its BoringSSL), so this is the JDK's TLS with ALPN on both sides; a hub without a client certificate is
     * refused, so the hooked publish can only have gone over the mutual TLS connection.
     */
    @Test
    void tlsWithClientCertificates() throws Exception {
        Certs certs = Certs.create(dir.resolve("certs"));
        SslContext serverTls = GrpcSslContexts.forServer(certs.serverCert.toFile(), certs.serverKey.toFile())
                .trustManager(certs.ca.toFile()).clientAuth(ClientAuth.REQUIRE).build();
        try (FakeHookProvider p = new FakeHookProvider(FreePorts.next(), Map.of("message.publish", List.of()), serverTls)) {
            ExHookConfig.Server noCert = server("nocert", p.port, "deny", "2s", "60s");
            noCert.url = "https://127.0.0.1:" + p.port;
            noCert.ssl.cacertfile = certs.ca.toString();
            try (TestHub h = hub(noCert);
                 TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
                 TestHub.Client pub = h.client("pub").connect()) {
                // never loaded (the handshake fails), so nothing is hooked
                pub.publish("t/0", "unhooked", 1, false);
                await().atMost(WAIT).until(() -> sub.payloads().contains("unhooked"));
                assertThat(h.hub.exhook().up("nocert")).isFalse();
                assertThat(p.requests("provider.loaded")).isEmpty();
            }
            ExHookConfig.Server tls = server("tls", p.port, "deny", "5s", "60s");
            tls.url = "https://127.0.0.1:" + p.port;
            tls.ssl.cacertfile = certs.ca.toString();
            tls.ssl.certfile = certs.clientCert.toString();
            tls.ssl.keyfile = certs.clientKey.toString();
            try (TestHub h = hub(tls);
                 TestHub.Client sub = h.client("sub").connect().subscribe("#", 1);
                 TestHub.Client pub = h.client("pub").connect()) {
                assertThat(h.hub.exhook().up("tls")).isTrue(); // loaded while the hub started
                pub.publish("t/1", "hooked", 1, false);
                await().atMost(WAIT).until(() -> sub.payloads().contains("hooked"));
                assertThat(p.published()).containsExactly("t/1");
            }
        }
    }
}
