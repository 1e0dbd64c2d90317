package io.baetyl.hub.exhook;

import io.emqx.exhook.EmptySuccess;
import io.emqx.exhook.ValuedResponse;
import io.grpc.stub.StreamObserver;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * How the hub reads a server's answer to a hook call. A class of its own so that gRPC's {@link StreamObserver} is
 * loaded only when a server is configured: created inline in {@link ExHook}, the observers made the JVM load it while
 * verifying ExHook, in every hub (issue 18, e2e ClassLoadingIT).
 */
final class HookAnswers {
    private HookAnswers() {
    }

    /** A notification's answer: nothing to read; a failure is only logged. */
    static StreamObserver<EmptySuccess> notification(HookServer s, String hook) {
        return new StreamObserver<>() {
            @Override
            public void onNext(EmptySuccess value) {
            }

            @Override
            public void onError(Throwable t) {
                s.failed(hook, t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    /**
     * A valued hook's answer: IGNORE moves on with {@code value}, CONTINUE and STOP_AND_RETURN with the replaced value
     * ({@code andThen}, stop or not); a failure or an unusable answer takes the server's failed_action (deny: the
     * denied value goes to {@code done}; ignore: move on).
     */
    static <V> StreamObserver<ValuedResponse> valued(HookServer s, String hook, V value, ExHook.Valued<V> how,
            Consumer<V> done, BiConsumer<V, Boolean> andThen) {
        return new StreamObserver<>() {
            private ValuedResponse answer;

            @Override
            public void onNext(ValuedResponse r) {
                answer = r;
            }

            @Override
            public void onError(Throwable t) {
                s.failed(hook, t);
                if (s.deny) {
                    done.accept(how.denied(value));
                } else {
                    andThen.accept(value, false);
                }
            }

            @Override
            public void onCompleted() {
                ValuedResponse r = answer;
                V v;
                try {
                    if (r == null) {
                        throw new IllegalArgumentException("no answer");
                    }
                    switch (r.getType()) {
                        case IGNORE -> {
                            andThen.accept(value, false);
                            return;
                        }
                        case CONTINUE, STOP_AND_RETURN -> v = how.replace(value, r);
                        default -> throw new IllegalArgumentException("unknown response type " + r.getTypeValue());
                    }
                } catch (RuntimeException e) {
                    s.failed(hook, new IllegalArgumentException("unusable answer: " + e.getMessage()));
                    if (s.deny) {
                        done.accept(how.denied(value));
                    } else {
                        andThen.accept(value, false);
                    }
                    return;
                }
                andThen.accept(v, r.getType() == ValuedResponse.ResponsedType.STOP_AND_RETURN);
            }
        };
    }
}
