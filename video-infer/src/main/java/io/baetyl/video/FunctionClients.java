package io.baetyl.video;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import com.google.protobuf.ByteString;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * gRPC clients of {@code baetyl.Function/Call}, one per entry of {@code functions[]} that has an address (the
 * original's {@code NewFunctions}). A call waits for the connection up to its deadline ({@code timeout}), as Go's
 * {@code FailFast(false)} did, so a function manager that starts after video-infer is simply waited for.
 */
final class FunctionClients implements AutoCloseable {
    /** A call that failed: gRPC status, deadline, or an unknown function name; the frame is dropped. */
    static final class CallException extends Exception {
        CallException(String message) {
            super(message);
        }
    }

    private record Client(ManagedChannel channel, FunctionGrpc.FunctionBlockingStub stub, Duration timeout) {
    }

    private final Map<String, Client> clients = new LinkedHashMap<>();
    private final ScheduledExecutorService reconnects;

    FunctionClients(Iterable<VideoInferConfig.FunctionInfo> functions) {
        reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "function-reconnect");
            t.setDaemon(true);
            return t;
        });
        for (VideoInferConfig.FunctionInfo f : functions) {
            if (f.address.isEmpty()) {
                continue; // as the original: a function without an address gets no client
            }
            ManagedChannel channel = NettyChannelBuilder.forTarget(target(f.address, f.name))
                    .usePlaintext()
                    .maxInboundMessageSize((int) f.message.length.max.bytes())
                    .build();
            clients.put(f.name, new Client(channel, FunctionGrpc.newBlockingStub(channel), f.timeout));
            // grpc-java backs off reconnecting up to 2 minutes; backoff.max caps the wait as Go's
            // WithBackoffMaxDelay did.
            long every = f.backoff.max.toMillis();
            reconnects.scheduleWithFixedDelay(() -> {
                if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                    channel.resetConnectBackoff();
                }
            }, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Checks a {@code host:port} address; returns it as a gRPC target. */
    static String target(String address, String key) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || address.contains("://")) {
            throw new IllegalArgumentException(key + ": expected host:port (e.g. function-manager:50051), got '"
                    + address + "'");
        }
        try {
            int port = Integer.parseInt(address.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": bad port in '" + address + "'");
        }
        return address;
    }

    /**
     * Calls {@code name} with the inference output as payload and the capture time (Unix nanoseconds) as
     * timestamp, the original's message. Returns the answer's payload (empty when the function returned nothing).
     */
    byte[] call(String name, long timestampNanos, byte[] payload) throws CallException {
        Client c = clients.get(name);
        if (c == null) {
            throw new CallException("function (" + name + ") not found");
        }
        String invokeId = UUID.randomUUID().toString();
        FunctionMessage in = FunctionMessage.newBuilder()
                .setPayload(ByteString.copyFrom(payload))
                .setTimestamp(timestampNanos)
                .setFunctionName(name)
                .setFunctionInvokeID(invokeId)
                .build();
        try {
            FunctionMessage out = c.stub.withWaitForReady()
                    .withDeadlineAfter(c.timeout.toNanos(), TimeUnit.NANOSECONDS)
                    .call(in);
            return out.getPayload().toByteArray();
        } catch (StatusRuntimeException e) {
            throw new CallException("[" + invokeId + "] " + goError(e.getStatus()));
        }
    }

    /** The text grpc-go gave the original: {@code rpc error: code = Unknown desc = ...}. */
    static String goError(Status s) {
        String desc = s.getDescription() == null ? "" : s.getDescription();
        if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            desc = "context deadline exceeded";
        }
        String code = s.getCode() == Status.Code.CANCELLED ? "Canceled" : camel(s.getCode().name());
        return "rpc error: code = " + code + " desc = " + desc;
    }

    private static String camel(String upperSnake) {
        StringBuilder b = new StringBuilder();
        for (String part : upperSnake.split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }

    @Override
    public void close() {
        reconnects.shutdownNow();
        for (Client c : clients.values()) {
            c.channel.shutdownNow();
        }
        for (Client c : clients.values()) {
            try {
                c.channel.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
