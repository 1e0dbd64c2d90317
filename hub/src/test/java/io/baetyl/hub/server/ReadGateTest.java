package io.baetyl.hub.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReadGateTest {
    @Test
    void theSocketIsReadAgainOnlyOnceNoReasonHoldsIt() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ReadGate gate = ReadGate.of(ch);
        assertThat(ReadGate.of(ch)).as("one gate per connection").isSameAs(gate);
        assertThat(ch.config().isAutoRead()).isTrue();

        gate.pause(ReadGate.Reason.HOOK_CALLS);
        gate.pause(ReadGate.Reason.RETAINED_WRITES);
        assertThat(ch.config().isAutoRead()).isFalse();

        gate.resume(ReadGate.Reason.HOOK_CALLS);
        assertThat(ch.config().isAutoRead()).as("the retained writes still hold it").isFalse();
        assertThat(gate.holds(ReadGate.Reason.RETAINED_WRITES)).isTrue();

        gate.resume(ReadGate.Reason.CONNECTING);
        assertThat(ch.config().isAutoRead()).as("a reason that never paused resumes nothing").isFalse();

        gate.resume(ReadGate.Reason.RETAINED_WRITES);
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(gate.holds(ReadGate.Reason.RETAINED_WRITES)).isFalse();
        ch.finishAndReleaseAll();
    }
}
