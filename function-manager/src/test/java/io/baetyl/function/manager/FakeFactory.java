package io.baetyl.function.manager;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link InstanceFactory} whose instances are in-JVM gRPC servers on random 127.0.0.1 ports. Their handler reads
 * the payload as a command: {@code sleep:<ms>}, {@code fail:<text>} (UNKNOWN status, as a raising handler),
 * {@code empty}, {@code crash} (the server dies mid-call); anything else is echoed with a prefix.
 */
final class FakeFactory implements InstanceFactory {
    final String service;
    final String function;
    final List<String> startedNames = new CopyOnWriteArrayList<>();
    final List<String> stoppedNames = new CopyOnWriteArrayList<>();
    final Map<String, Server> servers = new ConcurrentHashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    volatile long startDelayMs;
    volatile boolean failStarts;

    FakeFactory(String service, String function) {
        this.service = service;
        this.function = function;
    }

    @Override
    public String instanceName(int id) {
        return service + "." + function + "." + id;
    }

    @Override
    public FunctionInstance start(int id) throws Exception {
        String name = instanceName(id);
        if (startDelayMs > 0) {
            Thread.sleep(startDelayMs);
        }
        if (failStarts) {
            throw new Exception("failed to start instance (" + name + "): boom");
        }
        Server[] self = new Server[1];
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new FunctionGrpc.FunctionImplBase() {
                    @Override
                    public void call(FunctionMessage req, StreamObserver<FunctionMessage> out) {
                        calls.incrementAndGet();
                        int now = concurrent.incrementAndGet();
                        maxConcurrent.accumulateAndGet(now, Math::max);
                        // The call leaves the count before its answer is sent: once the client has the answer, the pool
                        // may give this instance to the next call, which must not find this one still counted.
                        Runnable answer;
                        try {
                            answer = answer(req.getPayload().toStringUtf8(), req, out);
                        } finally {
                            concurrent.decrementAndGet();
                        }
                        answer.run();
                    }

                    private Runnable answer(String cmd, FunctionMessage req, StreamObserver<FunctionMessage> out) {
                        try {
                            if (cmd.startsWith("sleep:")) {
                                Thread.sleep(Long.parseLong(cmd.substring(6)));
                            } else if (cmd.startsWith("fail:")) {
                                return () -> out.onError(Status.UNKNOWN.withDescription("Exception calling application: "
                                        + cmd.substring(5)).asRuntimeException());
                            } else if (cmd.equals("empty")) {
                                return () -> {
                                    out.onNext(req.toBuilder().setPayload(ByteString.EMPTY).build());
                                    out.onCompleted();
                                };
                            } else if (cmd.equals("crash")) {
                                return () -> self[0].shutdownNow();
                            }
                        } catch (InterruptedException e) {
                            return () -> out.onError(Status.CANCELLED.asRuntimeException());
                        }
                        return () -> {
                            out.onNext(req.toBuilder().setPayload(ByteString.copyFrom(
                                    (name + ":" + cmd).getBytes(StandardCharsets.UTF_8))).build());
                            out.onCompleted();
                        };
                    }
                }).build().start();
        self[0] = server;
        servers.put(name, server);
        startedNames.add(name);
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        return new FunctionInstance(id, name, "127.0.0.1:" + server.getPort(), ch);
    }

    @Override
    public void stop(FunctionInstance instance) {
        instance.closeChannel();
        Server s = servers.remove(instance.name());
        if (s != null) {
            s.shutdownNow();
        }
        stoppedNames.add(instance.name());
    }

    void stopAll() {
        servers.values().forEach(Server::shutdownNow);
    }
}
