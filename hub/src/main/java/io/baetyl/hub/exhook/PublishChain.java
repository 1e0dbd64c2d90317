package io.baetyl.hub.exhook;

import com.google.protobuf.ByteString;
import io.emqx.exhook.ClientAuthorizeRequest;
import io.emqx.exhook.HookProviderGrpc;
import io.emqx.exhook.MessagePublishRequest;
import io.emqx.exhook.ValuedResponse;
import io.grpc.stub.StreamObserver;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The valued hooks of one client that decide something: {@code client.authenticate}, {@code client.authorize} (for
 * PUBLISH and SUBSCRIBE) and {@code message.publish}. Each runs through the servers' chain ({@link ExHook#chain}) in
 * this client's {@link HookQueue}, so results are applied in the order the client's packets came.
 */
final class PublishChain {
    private final ExHook ex;
    private final ClientIdentity who;
    private final HookQueue queue;

    PublishChain(ExHook ex, ClientIdentity who, HookQueue queue) {
        this.ex = ex;
        this.who = who;
        this.queue = queue;
    }

    /** {@code client.authenticate} with the hub's own verdict; {@code then} gets the final one on the event loop. */
    void authenticate(boolean hubAccepted, Consumer<Boolean> then) {
        var base = io.emqx.exhook.ClientAuthenticateRequest.newBuilder().setClientinfo(who.clientInfo())
                .setMeta(ex.meta).build();
        queue.enqueue(call -> ex.chain("client.authenticate", who.hash(), hubAccepted, new BoolHook() {
            @Override
            public void call(HookProviderGrpc.HookProviderStub stub, Boolean value, StreamObserver<ValuedResponse> a) {
                stub.onClientAuthenticate(base.toBuilder().setResult(value).build(), a);
            }
        }, v -> call.done(() -> then.accept(v))));
    }

    /** See {@link ClientHooks#publish}. */
    boolean publish(String topic, byte[] payload, int qos, boolean retain, int packetId, boolean hubPermits,
                    Consumer<HookedPublish> then) {
        boolean authorize = ex.hooked("client.authorize");
        boolean intercept = ex.hooked("message.publish", topic);
        if (!authorize && !intercept && !queue.busy()) {
            return false;
        }
        HookedPublish start = new HookedPublish(hubPermits ? HookedPublish.Verdict.PUBLISH : HookedPublish.Verdict.NOT_AUTHORIZED,
                topic, payload, qos, retain, packetId, qos);
        queue.enqueue(call -> authorizePublish(start, authorized -> {
            if (authorized.verdict() != HookedPublish.Verdict.PUBLISH || !ex.hooked("message.publish", authorized.topic())) {
                call.done(() -> then.accept(authorized));
                return;
            }
            ex.chain("message.publish", who.hash(), authorized, new PublishHook(), v -> call.done(() -> then.accept(v)));
        }));
        return true;
    }

    /** See {@link ClientHooks#authorizeSubscribe}. */
    boolean authorizeSubscribe(MqttSubscribeMessage msg, Predicate<String> hubPermits, Consumer<Set<String>> then) {
        if (!ex.hooked("client.authorize")) {
            return false;
        }
        List<String> filters = msg.payload().topicSubscriptions().stream().map(MqttTopicSubscription::topicName).toList();
        Set<String> allowed = ConcurrentHashMap.newKeySet();
        queue.enqueue(call -> authorizeFilters(filters, 0, hubPermits, allowed, () -> call.done(() -> then.accept(allowed))));
        return true;
    }

    private void authorizeFilters(List<String> filters, int i, Predicate<String> hubPermits, Set<String> allowed,
                                  Runnable finished) {
        if (i == filters.size()) {
            finished.run();
            return;
        }
        String f = filters.get(i);
        authorize(ClientAuthorizeRequest.AuthorizeReqType.SUBSCRIBE, f, hubPermits.test(f), ok -> {
            if (ok) {
                allowed.add(f);
            }
            authorizeFilters(filters, i + 1, hubPermits, allowed, finished);
        });
    }

    private void authorizePublish(HookedPublish p, Consumer<HookedPublish> next) {
        if (!ex.hooked("client.authorize")) {
            next.accept(p);
            return;
        }
        authorize(ClientAuthorizeRequest.AuthorizeReqType.PUBLISH, p.topic(), p.verdict() == HookedPublish.Verdict.PUBLISH,
                ok -> next.accept(p.with(ok ? HookedPublish.Verdict.PUBLISH : HookedPublish.Verdict.NOT_AUTHORIZED)));
    }

    private void authorize(ClientAuthorizeRequest.AuthorizeReqType type, String topic, boolean hubPermits,
                           Consumer<Boolean> next) {
        ClientAuthorizeRequest req = ClientAuthorizeRequest.newBuilder().setClientinfo(who.clientInfo())
                .setType(type).setTopic(topic).setMeta(ex.meta).build();
        ex.chain("client.authorize", who.hash(), hubPermits, new BoolHook() {
            @Override
            public void call(HookProviderGrpc.HookProviderStub stub, Boolean value, StreamObserver<ValuedResponse> a) {
                stub.onClientAuthorize(req.toBuilder().setResult(value).build(), a);
            }
        }, next);
    }

    /** {@code message.publish}: the hook may rewrite topic, qos and payload, or drop with {@code allow_publish=false}. */
    private final class PublishHook implements ExHook.Valued<HookedPublish> {
        @Override
        public String topic(HookedPublish v) {
            return v.topic();
        }

        @Override
        public void call(HookProviderGrpc.HookProviderStub stub, HookedPublish v, StreamObserver<ValuedResponse> a) {
            io.emqx.exhook.Message m = io.emqx.exhook.Message.newBuilder().setNode(ex.node)
                    .setId(ClientHooks.nextMessageId()).setQos(v.qos()).setFrom(who.clientId())
                    .setTopic(v.topic()).setPayload(ByteString.copyFrom(v.payload())).setTimestamp(System.currentTimeMillis())
                    .putHeaders("username", who.username()).putHeaders("protocol", "mqtt")
                    .putHeaders("peerhost", who.peerHost())
                    .build();
            stub.onMessagePublish(MessagePublishRequest.newBuilder().setMessage(m).setMeta(ex.meta).build(), a);
        }

        @Override
        public HookedPublish replace(HookedPublish v, ValuedResponse r) {
            if (!r.hasMessage()) {
                throw new IllegalArgumentException("message.publish answer without a message");
            }
            io.emqx.exhook.Message m = r.getMessage();
            if ("false".equals(m.getHeadersMap().get("allow_publish"))) {
                return v.with(HookedPublish.Verdict.DROP);
            }
            if (!ExHook.validTopic(m.getTopic())) {
                throw new IllegalArgumentException("invalid topic " + m.getTopic());
            }
            if (m.getQos() > 2) {
                throw new IllegalArgumentException("invalid qos " + m.getQos());
            }
            return new HookedPublish(v.verdict(), m.getTopic(), m.getPayload().toByteArray(), (int) m.getQos(),
                    v.retain(), v.packetId(), v.clientQos());
        }

        @Override
        public HookedPublish denied(HookedPublish v) {
            return v.with(HookedPublish.Verdict.DROP);
        }
    }

    /** {@code client.authenticate} and {@code client.authorize}: a boolean result. */
    private abstract static class BoolHook implements ExHook.Valued<Boolean> {
        @Override
        public String topic(Boolean value) {
            return null;
        }

        @Override
        public Boolean replace(Boolean value, ValuedResponse r) {
            if (r.getValueCase() != ValuedResponse.ValueCase.BOOL_RESULT) {
                throw new IllegalArgumentException("answer without bool_result");
            }
            return r.getBoolResult();
        }

        @Override
        public Boolean denied(Boolean value) {
            return false;
        }
    }
}
