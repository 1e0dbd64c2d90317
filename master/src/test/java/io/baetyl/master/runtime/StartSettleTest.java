package io.baetyl.master.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The spacing of a start, on made-up CPU readings: one reading per poll, time moved by the test's sleeper. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StartSettleTest {
    private final List<Duration> slept = new ArrayList<>();

    /** @param readings busy time in units of 5 ms (half of {@link StartSettle#QUIET_NANOS}), or -1 */
    private StartSettle.Outcome run(Duration max, long... readings) throws InterruptedException {
        int[] i = {0};
        for (int k = 0; k < readings.length; k++) {
            readings[k] = readings[k] < 0 ? -1 : readings[k] * StartSettle.QUIET_NANOS / 2;
        }
        StartSettle settle = new StartSettle(max, slept::add);
        return settle.await(() -> readings[Math.min(i[0]++, readings.length - 1)], () -> false);
    }

    private long sleptMillis() {
        return slept.stream().mapToLong(Duration::toMillis).sum();
    }

    @Test
    void aBusyStartIsWaitedForUntilTwoQuietPolls() throws Exception {
        // a JVM start: 25 ms per 50 ms poll for 6 polls, then idle (at most 10 ms per poll)
        assertEquals(StartSettle.Outcome.SETTLED, run(Duration.ofSeconds(2), 0, 5, 10, 15, 20, 25, 30, 31, 31));
        assertEquals(8 * StartSettle.POLL.toMillis(), sleptMillis());
    }

    @Test
    void oneQuietPollInTheMiddleOfAStartDoesNotEndTheWait() throws Exception {
        assertEquals(StartSettle.Outcome.SETTLED, run(Duration.ofSeconds(2), 0, 5, 5, 10, 15, 15, 15));
        assertEquals(6 * StartSettle.POLL.toMillis(), sleptMillis());
    }

    @Test
    void aServiceThatStaysBusyHoldsTheNextOneBackForTheMaximumOnly() throws Exception {
        long[] busy = new long[100];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = i * 4L;
        }
        assertEquals(StartSettle.Outcome.STILL_BUSY, run(Duration.ofMillis(500), busy));
        assertEquals(500, sleptMillis());
    }

    @Test
    void aServiceThatCannotBeMeasuredOrHasEndedIsNotWaitedFor() throws Exception {
        assertEquals(StartSettle.Outcome.NOT_MEASURED, run(Duration.ofSeconds(2), -1));
        assertEquals(0, sleptMillis());
        assertEquals(StartSettle.Outcome.NOT_MEASURED, run(Duration.ofSeconds(2), 0, 5, -1));
        assertEquals(2 * StartSettle.POLL.toMillis(), sleptMillis());
    }

    @Test
    void aDropInTheTotalIsNotTakenForQuiet() throws Exception {
        // a thread that ended took its time with it: 20 -> 10 is not quiet, 10 -> 11 -> 12 is
        assertEquals(StartSettle.Outcome.SETTLED, run(Duration.ofSeconds(2), 0, 10, 20, 10, 11, 12));
        assertEquals(5 * StartSettle.POLL.toMillis(), sleptMillis());
    }

    @Test
    void zeroTurnsTheSpacingOff() throws Exception {
        assertEquals(StartSettle.Outcome.NOT_MEASURED, run(Duration.ZERO, 0, 5, 10));
        assertEquals(0, sleptMillis());
    }

    @Test
    void aClosingMasterEndsTheWaitAtTheNextPoll() throws Exception {
        boolean[] closing = {false};
        StartSettle settle = new StartSettle(Duration.ofSeconds(2), d -> {
            slept.add(d);
            closing[0] = true;
        });
        long[] t = {0};
        assertEquals(StartSettle.Outcome.ABORTED, settle.await(() -> t[0] += 50_000_000, () -> closing[0]));
        assertEquals(StartSettle.POLL.toMillis(), sleptMillis());
    }
}
