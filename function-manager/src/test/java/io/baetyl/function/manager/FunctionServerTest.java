package io.baetyl.function.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FunctionServerTest {
    private final ExecutorService blocking = Executors.newCachedThreadPool();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final FakeFactory factory = new FakeFactory("svc", "analyse");
    private FunctionServer server;
    private ManagedChannel channel;
    private ManagedFunction function;

    @AfterEach
    void tearDown() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
        if (function != null) {
            function.close();
        }
        factory.stopAll();
        blocking.shutdownNow();
        scheduler.shutdownNow();
    }

    private FunctionGrpc.FunctionBlockingStub start() throws Exception {
        ManagerConfig.FunctionSpec spec = new ManagerConfig.FunctionSpec();
        spec.name = "analyse";
        spec.service = "svc";
        spec.timeout = Duration.ofSeconds(2);
        function = new ManagedFunction(spec, new FunctionPool(spec.name, spec.instance, factory, blocking, scheduler));
        ManagerConfig.Server cfg = new ManagerConfig.Server();
        cfg.address = "127.0.0.1:0";
        server = FunctionServer.start(cfg, Map.of("analyse", function));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        return FunctionGrpc.newBlockingStub(channel);
    }

    private static FunctionMessage msg(String fn, String payload) {
        return FunctionMessage.newBuilder().setFunctionName(fn).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    @Test
    void callDispatchesByFunctionName() throws Exception {
        FunctionGrpc.FunctionBlockingStub stub = start();
        assertThat(stub.call(msg("analyse", "frame")).getPayload().toStringUtf8()).isEqualTo("svc.analyse.1:frame");
    }

    @Test
    void unknownFunctionIsAnError() throws Exception {
        FunctionGrpc.FunctionBlockingStub stub = start();
        assertThatThrownBy(() -> stub.call(msg("nope", "x"))).isInstanceOf(StatusRuntimeException.class)
                .hasMessage("UNKNOWN: function (nope) not found");
    }

    @Test
    void runtimeErrorPassedThroughWithoutRetry() throws Exception {
        FunctionGrpc.FunctionBlockingStub stub = start();
        assertThatThrownBy(() -> stub.call(msg("analyse", "fail:bad frame")))
                .hasMessage("UNKNOWN: Exception calling application: bad frame");
        assertThat(factory.calls.get()).isEqualTo(1);
    }
}
