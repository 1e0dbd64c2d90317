package io.baetyl.function.manager;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a call's failure is classified. The statuses are built the way grpc-netty 1.68 builds them (Utils
 * .statusFromThrowable and NettyClientTransport), because the race that yields them (the request written just after
 * the runtime's connection closed) cannot be provoked on demand.
 */
@Timeout(10)
class FunctionInstanceTest {

    @Test
    void requestWrittenToAClosedConnectionCountsAsUnavailable() {
        StatusRuntimeException closed = Status.UNKNOWN.withDescription("channel closed")
                .withCause(new ClosedChannelException()).asRuntimeException();
        assertThat(ManagedFunction.instanceStillGood(closed)).isTrue();

        Throwable mapped = FunctionInstance.transportClosedAsUnavailable(closed);

        assertThat(mapped).isInstanceOf(StatusRuntimeException.class);
        assertThat(((StatusRuntimeException) mapped).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(GoErrors.message(mapped)).isEqualTo("rpc error: code = Unavailable desc = channel closed");
        assertThat(GoErrors.type(mapped)).isEqualTo("*status.statusError");
        assertThat(ManagedFunction.instanceStillGood(mapped)).as("the dead instance leaves the pool").isFalse();
    }

    @Test
    void closedChannelDeeperInTheCauseChainIsFoundToo() {
        Exception wrapped = new IllegalStateException("stream buffering",
                new ClosedChannelException().initCause(new RuntimeException("connection reset")));
        StatusRuntimeException closed = Status.UNKNOWN.withDescription("Channel closed but for unknown reason")
                .withCause(new RuntimeException(wrapped)).asRuntimeException();

        Throwable mapped = FunctionInstance.transportClosedAsUnavailable(closed);

        assertThat(GoErrors.message(mapped))
                .isEqualTo("rpc error: code = Unavailable desc = Channel closed but for unknown reason");
    }

    @Test
    void aHandlerThatRaisedStaysUnknownAndKeepsItsInstance() {
        StatusRuntimeException raised = Status.UNKNOWN
                .withDescription("Exception calling application: division by zero").asRuntimeException();

        Throwable mapped = FunctionInstance.transportClosedAsUnavailable(raised);

        assertThat(mapped).isSameAs(raised);
        assertThat(GoErrors.message(mapped))
                .isEqualTo("rpc error: code = Unknown desc = Exception calling application: division by zero");
        assertThat(ManagedFunction.instanceStillGood(mapped)).isTrue();
    }

    @Test
    void otherCodesAndOtherExceptionsAreLeftAlone() {
        StatusRuntimeException deadline = Status.DEADLINE_EXCEEDED.withCause(new ClosedChannelException())
                .asRuntimeException();
        IllegalStateException local = new IllegalStateException("no stub", new ClosedChannelException());

        assertThat(FunctionInstance.transportClosedAsUnavailable(deadline)).isSameAs(deadline);
        assertThat(FunctionInstance.transportClosedAsUnavailable(local)).isSameAs(local);
    }
}
