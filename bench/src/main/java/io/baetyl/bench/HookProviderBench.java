package io.baetyl.bench;

import io.emqx.exhook.HookProviderGrpc;
import io.emqx.exhook.HookSpec;
import io.emqx.exhook.LoadedResponse;
import io.emqx.exhook.MessagePublishRequest;
import io.emqx.exhook.ProviderLoadedRequest;
import io.emqx.exhook.ValuedResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal ExHook server for bench/hub-exhook.sh: registers {@code message.publish} for every topic and answers each
 * call with CONTINUE and the message unchanged (the cheapest server possible, so the figure is the hub's cost of the
 * hook round trip). Usage: {@code java -cp baetyl-bench-all.jar io.baetyl.bench.HookProviderBench PORT}; runs until
 * killed, printing the number of calls every 5 s.
 */
public final class HookProviderBench extends HookProviderGrpc.HookProviderImplBase {
    private final AtomicLong calls = new AtomicLong();

    @Override
    public void onProviderLoaded(ProviderLoadedRequest r, StreamObserver<LoadedResponse> o) {
        o.onNext(LoadedResponse.newBuilder().addHooks(HookSpec.newBuilder().setName("message.publish")).build());
        o.onCompleted();
    }

    @Override
    public void onMessagePublish(MessagePublishRequest r, StreamObserver<ValuedResponse> o) {
        calls.incrementAndGet();
        o.onNext(ValuedResponse.newBuilder().setType(ValuedResponse.ResponsedType.CONTINUE).setMessage(r.getMessage()).build());
        o.onCompleted();
    }

    public static void main(String[] args) throws Exception {
        HookProviderBench impl = new HookProviderBench();
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])))
                .directExecutor().addService(impl).build().start();
        System.out.println("hook provider on " + args[0]);
        while (!s.isTerminated()) {
            Thread.sleep(5000);
            System.out.println("calls=" + impl.calls.get());
        }
    }
}
