package io.baetyl.function.sql;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import com.google.protobuf.ByteString;
import io.baetyl.sdk.Context;
import io.baetyl.sdk.DefaultContext;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the SQL runtime in this JVM (through its real entry, minus signal handling) and calls it over gRPC. */
final class RuntimeHarness implements AutoCloseable {
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final CompletableFuture<Context> started = new CompletableFuture<>();
    private volatile int port;
    private ManagedChannel channel;

    private RuntimeHarness() {
    }

    /** Starts the runtime in a thread; does not wait (see {@link #awaitStarted()} and {@link #exit}). */
    static RuntimeHarness launch(Path config, Map<String, String> env) {
        RuntimeHarness h = new RuntimeHarness();
        Thread t = new Thread(() -> {
            try {
                int status = SqlFunctionMain.run(new String[] {"-c", config.toString()}, env, (ctx, server) -> {
                    h.port = server.port();
                    h.started.complete(ctx);
                });
                h.exit.complete(status);
                h.started.completeExceptionally(new IllegalStateException("runtime exited with " + status));
            } catch (Throwable e) {
                h.exit.completeExceptionally(e);
                h.started.completeExceptionally(e);
            }
        }, "sql-runtime-under-test");
        t.setDaemon(true);
        t.start();
        return h;
    }

    /** Starts the runtime and waits until it serves. */
    static RuntimeHarness start(Path config, Map<String, String> env) throws Exception {
        RuntimeHarness h = launch(config, env);
        h.awaitStarted();
        return h;
    }

    void awaitStarted() throws Exception {
        started.get(20, TimeUnit.SECONDS);
    }

    int port() {
        return port;
    }

    FunctionGrpc.FunctionBlockingStub stub() {
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        }
        return FunctionGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    FunctionMessage call(String function, String topic, int qos, String payload) {
        return stub().call(message(function, topic, qos, payload));
    }

    static FunctionMessage message(String function, String topic, int qos, String payload) {
        return FunctionMessage.newBuilder()
                .setID(7)
                .setQOS(qos)
                .setTopic(topic)
                .setPayload(ByteString.copyFrom(payload, StandardCharsets.UTF_8))
                .setTimestamp(1_569_246_549L)
                .setFunctionName(function)
                .setFunctionInvokeID("invoke-1")
                .build();
    }

    /** As SIGTERM would. */
    int stop() throws Exception {
        ((DefaultContext) started.get(1, TimeUnit.SECONDS)).requestShutdown();
        return exit.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (started.isDone() && !started.isCompletedExceptionally() && !exit.isDone()) {
            stop();
        }
    }

    static Path writeConfig(Path dir, String yaml) throws Exception {
        Path file = dir.resolve("service.yml");
        Files.writeString(file, yaml);
        return file;
    }
}
