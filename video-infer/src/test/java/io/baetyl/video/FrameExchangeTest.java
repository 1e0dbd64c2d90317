package io.baetyl.video;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FrameExchangeTest {
    @BeforeAll
    static void opencv() {
        OpenCv.load();
    }

    @Test
    void newestWinsReplacesTheWaitingFrameAndNeverBlocksCapture() throws Exception {
        FrameExchange x = new FrameExchange(true);
        Frame processing = null;
        // The processing thread holds one frame for a long time while capture goes on: capture never waits.
        for (int i = 0; i < 100; i++) {
            Frame f = x.acquire();
            f.number = i;
            x.offer(f);
            if (i == 0) {
                processing = x.take(1000);
            }
        }
        assertThat(processing.number).isZero();
        assertThat(x.replaced()).isEqualTo(98);
        Frame newest = x.take(1000);
        assertThat(newest.number).isEqualTo(99);
        x.recycle(processing);
        x.recycle(newest);
        assertThat(x.take(50)).as("nothing waits").isNull();
        x.close();
        x.releaseAll();
    }

    @Test
    void inOrderMakesCaptureWaitUntilTheWaitingFrameIsTaken() throws Exception {
        FrameExchange x = new FrameExchange(false);
        Frame a = x.acquire();
        a.number = 1;
        x.offer(a);
        CompletableFuture<Frame> second = CompletableFuture.supplyAsync(() -> {
            try {
                return x.acquire();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(second).as("capture waits while frame 1 is not taken").isNotDone();
        Frame taken = x.take(1000);
        assertThat(taken.number).isEqualTo(1);
        Frame b = second.get(5, TimeUnit.SECONDS);
        b.number = 2;
        x.offer(b);
        assertThat(x.replaced()).isZero();
        x.recycle(taken);
        assertThat(x.take(1000).number).isEqualTo(2);
        x.close();
        x.releaseAll();
    }

    @Test
    void anEndedSourceIsSeenAfterItsLastFrame() throws Exception {
        FrameExchange x = new FrameExchange(false);
        Frame a = x.acquire();
        x.offer(a);
        x.end();
        assertThat(x.ended()).isFalse();
        assertThat(x.take(1000)).isSameAs(a);
        assertThat(x.ended()).isTrue();
        assertThat(x.take(1000)).isNull();
        x.close();
        assertThat(x.acquire()).isNull();
        x.releaseAll();
    }
}
