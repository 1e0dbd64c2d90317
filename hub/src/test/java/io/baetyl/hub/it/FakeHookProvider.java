package io.baetyl.hub.it;

import io.emqx.exhook.ClientAuthenticateRequest;
import io.emqx.exhook.ClientAuthorizeRequest;
import io.emqx.exhook.ClientConnackRequest;
import io.emqx.exhook.ClientConnectRequest;
import io.emqx.exhook.ClientConnectedRequest;
import io.emqx.exhook.ClientDisconnectedRequest;
import io.emqx.exhook.ClientSubscribeRequest;
import io.emqx.exhook.ClientUnsubscribeRequest;
import io.emqx.exhook.EmptySuccess;
import io.emqx.exhook.HookProviderGrpc;
import io.emqx.exhook.HookSpec;
import io.emqx.exhook.LoadedResponse;
import io.emqx.exhook.MessagePublishRequest;
import io.emqx.exhook.ProviderLoadedRequest;
import io.emqx.exhook.ProviderUnloadedRequest;
import io.emqx.exhook.SessionCreatedRequest;
import io.emqx.exhook.SessionSubscribedRequest;
import io.emqx.exhook.SessionTerminatedRequest;
import io.emqx.exhook.SessionUnsubscribedRequest;
import io.emqx.exhook.ValuedResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A hook provider in Java on a 127.0.0.1 port, for the hub's ExHook tests: registers {@code hooks} (name ->
 * topic filters), records every call by name (with the request), and answers message.publish, client.authenticate
 * and client.authorize with the given functions.
 */
final class FakeHookProvider implements AutoCloseable {
    record Call(String hook, Object request) {
    }

    final int port;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    volatile Map<String, List<String>> hooks;
    volatile Function<MessagePublishRequest, ValuedResponse> onPublish =
            r -> ValuedResponse.newBuilder().setType(ValuedResponse.ResponsedType.IGNORE).build();
    volatile Function<ClientAuthenticateRequest, ValuedResponse> onAuthenticate =
            r -> ValuedResponse.newBuilder().setType(ValuedResponse.ResponsedType.IGNORE).build();
    volatile Function<ClientAuthorizeRequest, ValuedResponse> onAuthorize =
            r -> ValuedResponse.newBuilder().setType(ValuedResponse.ResponsedType.IGNORE).build();
    private final Server server;

    FakeHookProvider(int port, Map<String, List<String>> hooks) throws Exception {
        this(port, hooks, null);
    }

    /** {@code tls}: the server's TLS context (an {@code https://} url on the hub's side), or null for plain text. */
    FakeHookProvider(int port, Map<String, List<String>> hooks, SslContext tls) throws Exception {
        this.port = port;
        this.hooks = hooks;
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).addService(new Impl());
        if (tls != null) {
            b.sslContext(tls);
        }
        server = b.build().start();
    }

    List<Object> requests(String hook) {
        return calls.stream().filter(c -> c.hook.equals(hook)).map(Call::request).toList();
    }

    List<String> published() {
        return requests("message.publish").stream().map(r -> ((MessagePublishRequest) r).getMessage().getTopic()).toList();
    }

    static ValuedResponse answer(ValuedResponse.ResponsedType type, io.emqx.exhook.Message m) {
        return ValuedResponse.newBuilder().setType(type).setMessage(m).build();
    }

    static ValuedResponse answer(ValuedResponse.ResponsedType type, boolean b) {
        return ValuedResponse.newBuilder().setType(type).setBoolResult(b).build();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Impl extends HookProviderGrpc.HookProviderImplBase {
        private void empty(String hook, Object req, StreamObserver<EmptySuccess> o) {
            calls.add(new Call(hook, req));
            o.onNext(EmptySuccess.getDefaultInstance());
            o.onCompleted();
        }

        @Override
        public void onProviderLoaded(ProviderLoadedRequest r, StreamObserver<LoadedResponse> o) {
            calls.add(new Call("provider.loaded", r));
            LoadedResponse.Builder b = LoadedResponse.newBuilder();
            hooks.forEach((name, topics) -> b.addHooks(HookSpec.newBuilder().setName(name).addAllTopics(topics)));
            o.onNext(b.build());
            o.onCompleted();
        }

        @Override
        public void onProviderUnloaded(ProviderUnloadedRequest r, StreamObserver<EmptySuccess> o) {
            empty("provider.unloaded", r, o);
        }

        @Override
        public void onClientConnect(ClientConnectRequest r, StreamObserver<EmptySuccess> o) {
            empty("client.connect", r, o);
        }

        @Override
        public void onClientConnack(ClientConnackRequest r, StreamObserver<EmptySuccess> o) {
            empty("client.connack", r, o);
        }

        @Override
        public void onClientConnected(ClientConnectedRequest r, StreamObserver<EmptySuccess> o) {
            empty("client.connected", r, o);
        }

        @Override
        public void onClientDisconnected(ClientDisconnectedRequest r, StreamObserver<EmptySuccess> o) {
            empty("client.disconnected", r, o);
        }

        @Override
        public void onClientSubscribe(ClientSubscribeRequest r, StreamObserver<EmptySuccess> o) {
            empty("client.subscribe", r, o);
        }

        @Override
        public void onClientUnsubscribe(ClientUnsubscribeRequest r, StreamObserver<EmptySuccess> o) {
            empty("client.unsubscribe", r, o);
        }

        @Override
        public void onSessionCreated(SessionCreatedRequest r, StreamObserver<EmptySuccess> o) {
            empty("session.created", r, o);
        }

        @Override
        public void onSessionSubscribed(SessionSubscribedRequest r, StreamObserver<EmptySuccess> o) {
            empty("session.subscribed", r, o);
        }

        @Override
        public void onSessionUnsubscribed(SessionUnsubscribedRequest r, StreamObserver<EmptySuccess> o) {
            empty("session.unsubscribed", r, o);
        }

        @Override
        public void onSessionTerminated(SessionTerminatedRequest r, StreamObserver<EmptySuccess> o) {
            empty("session.terminated", r, o);
        }

        @Override
        public void onSessionResumed(io.emqx.exhook.SessionResumedRequest r, StreamObserver<EmptySuccess> o) {
            empty("session.resumed", r, o);
        }

        @Override
        public void onSessionDiscarded(io.emqx.exhook.SessionDiscardedRequest r, StreamObserver<EmptySuccess> o) {
            empty("session.discarded", r, o);
        }

        @Override
        public void onSessionTakenover(io.emqx.exhook.SessionTakenoverRequest r, StreamObserver<EmptySuccess> o) {
            empty("session.takenover", r, o);
        }

        @Override
        public void onMessageDelivered(io.emqx.exhook.MessageDeliveredRequest r, StreamObserver<EmptySuccess> o) {
            empty("message.delivered", r, o);
        }

        @Override
        public void onMessageAcked(io.emqx.exhook.MessageAckedRequest r, StreamObserver<EmptySuccess> o) {
            empty("message.acked", r, o);
        }

        @Override
        public void onMessageDropped(io.emqx.exhook.MessageDroppedRequest r, StreamObserver<EmptySuccess> o) {
            empty("message.dropped", r, o);
        }

        @Override
        public void onClientAuthenticate(ClientAuthenticateRequest r, StreamObserver<ValuedResponse> o) {
            calls.add(new Call("client.authenticate", r));
            o.onNext(onAuthenticate.apply(r));
            o.onCompleted();
        }

        @Override
        public void onClientAuthorize(ClientAuthorizeRequest r, StreamObserver<ValuedResponse> o) {
            calls.add(new Call("client.authorize", r));
            o.onNext(onAuthorize.apply(r));
            o.onCompleted();
        }

        @Override
        public void onMessagePublish(MessagePublishRequest r, StreamObserver<ValuedResponse> o) {
            calls.add(new Call("message.publish", r));
            o.onNext(onPublish.apply(r));
            o.onCompleted();
        }
    }
}
