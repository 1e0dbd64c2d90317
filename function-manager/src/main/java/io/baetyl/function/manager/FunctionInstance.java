package io.baetyl.function.manager;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One running function runtime instance ({@code <service>.<function>.<n>}) and the gRPC channel to it. Owned by a
 * {@link FunctionPool}; used by one call at a time.
 */
final class FunctionInstance {
    private final int id;
    private final String name;
    private final String address;
    private final ManagedChannel channel;
    private final FunctionGrpc.FunctionFutureStub stub;
    /** When the instance last went back to the pool; guarded by the pool's lock. */
    long idleSinceNanos;

    FunctionInstance(int id, String name, String address, ManagedChannel channel) {
        this.id = id;
        this.name = name;
        this.address = address;
        this.channel = channel;
        this.stub = channel == null ? null : FunctionGrpc.newFutureStub(channel);
    }

    int id() {
        return id;
    }

    String name() {
        return name;
    }

    String address() {
        return address;
    }

    /** Calls the runtime; the future fails with the gRPC status on error or when {@code timeout} passes. */
    CompletableFuture<FunctionMessage> call(FunctionMessage msg, Duration timeout) {
        CompletableFuture<FunctionMessage> done = new CompletableFuture<>();
        ListenableFuture<FunctionMessage> f;
        try {
            f = stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS).call(msg);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
            return done;
        }
        Futures.addCallback(f, new FutureCallback<>() {
            @Override
            public void onSuccess(FunctionMessage result) {
                done.complete(result);
            }

            @Override
            public void onFailure(Throwable t) {
                done.completeExceptionally(transportClosedAsUnavailable(t));
            }
        }, MoreExecutors.directExecutor());
        return done;
    }

    /**
     * When the runtime dies mid-call, grpc-java usually fails the call with UNAVAILABLE, but if the request is
     * written after the connection closed it reports UNKNOWN ("channel closed", caused by a
     * {@link ClosedChannelException}). UNKNOWN is also what a handler that raised gets, so left as is the pool
     * would keep the dead instance and the error payload would not say Unavailable, as Baetyl's Go manager does
     * for a lost connection. A status sent by the runtime carries no local cause, so it is never rewritten.
     */
    static Throwable transportClosedAsUnavailable(Throwable t) {
        if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNKNOWN
                && causedByClosedChannel(s.getStatus().getCause())) {
            return Status.UNAVAILABLE.withDescription(s.getStatus().getDescription())
                    .withCause(s.getStatus().getCause()).asRuntimeException(s.getTrailers());
        }
        return t;
    }

    private static boolean causedByClosedChannel(Throwable cause) {
        for (int depth = 0; cause != null && depth < 8; depth++, cause = cause.getCause()) {
            if (cause instanceof ClosedChannelException) {
                return true;
            }
        }
        return false;
    }

    /** Closes the channel (the process is stopped by the factory). */
    void closeChannel() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return name + "@" + address;
    }
}
