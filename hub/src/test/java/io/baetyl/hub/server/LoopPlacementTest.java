package io.baetyl.hub.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultithreadEventLoopGroup;
import io.netty.channel.local.LocalChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory.EventExecutorChooser;
import io.netty.util.concurrent.ThreadPerTaskExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoopPlacementTest {
    @Test
    void fillsTheLoopsInOrderThenPicksTheLeastUsed() {
        AtomicIntegerArray counts = new AtomicIntegerArray(3);
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int loop = LoopPlacement.choose(counts, 2);
            picked.add(loop);
            counts.incrementAndGet(loop);
        }
        // two on each loop in order, then spread: always the least used, the lowest index on a tie
        assertThat(picked).containsExactly(0, 0, 1, 1, 2, 2, 0, 1, 2, 0, 1, 2);

        counts.decrementAndGet(1); // a connection on loop 1 closed
        assertThat(LoopPlacement.choose(counts, 2)).isEqualTo(1);
        counts.set(0, 0); // loop 0 emptied: it is below the fill again and comes first
        assertThat(LoopPlacement.choose(counts, 2)).isEqualTo(0);
    }

    @Test
    void placesRegisteredChannelsAndCountsThemUntilTheyClose() throws Exception {
        LoopPlacement placement = new LoopPlacement(2);
        EventLoopGroup group = new PlacedGroup(2, placement);
        try {
            List<EventExecutor> loops = new ArrayList<>();
            group.forEach(loops::add);
            List<Channel> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Channel ch = new LocalChannel();
                group.register(ch).sync();
                placement.track(ch);
                open.add(ch);
            }
            assertThat(open).extracting(ch -> loops.indexOf(ch.eventLoop())).containsExactly(0, 0, 1);
            assertThat(placement.connectionsPerLoop()).containsExactly(2, 1);

            open.get(0).close().sync();
            await().atMost(Duration.ofSeconds(5)).until(() -> placement.connectionsPerLoop()[0] == 1);
            assertThat(placement.connectionsPerLoop()).containsExactly(1, 1);
            Channel next = new LocalChannel();
            group.register(next).sync();
            assertThat(next.eventLoop()).isSameAs(loops.get(0));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void fillZeroIsNettysRoundRobin() {
        LoopPlacement placement = new LoopPlacement(0);
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
        try {
            List<EventExecutor> loops = new ArrayList<>();
            group.forEach(loops::add);
            EventExecutorChooser chooser = placement.newChooser(loops.toArray(EventExecutor[]::new));
            assertThat(List.of(chooser.next(), chooser.next(), chooser.next()))
                    .containsExactly(loops.get(0), loops.get(1), loops.get(0));
            assertThat(placement.connectionsPerLoop()).isEmpty();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNegativeFillIsRefusedWithThePropertyName() {
        assertThatThrownBy(() -> new LoopPlacement(-1))
                .hasMessage("-Dbaetyl.hub.loopFill must be 0 or more, got -1");
    }

    /** Netty's default loops, with the placement's chooser (as {@link Transport#group} makes the hub's). */
    private static final class PlacedGroup extends MultithreadEventLoopGroup {
        PlacedGroup(int threads, LoopPlacement placement) {
            super(threads, new ThreadPerTaskExecutor(new DefaultThreadFactory("placed")), placement);
        }

        @Override
        protected EventLoop newChild(Executor executor, Object... args) {
            return new DefaultEventLoop(this, executor);
        }
    }
}
