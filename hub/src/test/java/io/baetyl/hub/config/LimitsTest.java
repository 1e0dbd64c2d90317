package io.baetyl.hub.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.sdk.config.ByteSize;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LimitsTest {
    private static final long MB = 1 << 20;

    @Test
    void unsetBudgetsAreDerivedFromTheHeapAndTheDisk() {
        Limits l = Limits.of(new HubConfig(), 96 * MB, 100L << 30);
        assertThat(l.logSizeMax()).isEqualTo(1L << 30);
        assertThat(l.logCountMax()).isEqualTo(6 * MB);
        assertThat(l.retainedSizeMax()).isEqualTo(256 * MB);
        assertThat(l.retainedCountMax()).isEqualTo(24576);
        assertThat(l.cacheSizeMax()).isEqualTo(12 * MB);
        assertThat(l.cacheCountMax()).isEqualTo(16384);
        assertThat(l.qos0SessionCountMax()).isEqualTo(10000);
        assertThat(l.qos0SessionSizeMax()).isEqualTo(3 * MB);
        assertThat(l.qos0TotalSizeMax()).isEqualTo(24 * MB);
        assertThat(l.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        // a small disk: half of what is free
        assertThat(Limits.of(new HubConfig(), 96 * MB, 300 * MB).logSizeMax()).isEqualTo(150 * MB);
        // no disk (the store on the heap): a quarter of the heap
        assertThat(Limits.of(new HubConfig(), 96 * MB, -1).logSizeMax()).isEqualTo(24 * MB);
    }

    @Test
    void configuredBudgetsWin() {
        HubConfig c = new HubConfig();
        c.storage.size.max = ByteSize.ofBytes(5 * MB);
        c.storage.count.max = 1000L;
        c.message.retained.size.max = ByteSize.ofBytes(MB);
        c.message.retained.count.max = 10L;
        c.message.ingress.qos1.cache.size.max = ByteSize.ofBytes(2 * MB);
        c.message.ingress.qos1.cache.count.max = 100L;
        c.message.egress.qos0.buffer.size = 50;
        c.message.egress.qos0.session.size.max = ByteSize.ofBytes(64 * 1024);
        c.message.egress.qos0.total.size.max = ByteSize.ofBytes(4 * MB);
        c.connect.timeout = Duration.ofSeconds(3);
        Limits l = Limits.of(c, 96 * MB, 100L << 30);
        assertThat(l).isEqualTo(new Limits(96 * MB, 5 * MB, 1000, MB, 10, 2 * MB, 100, 50, 64 * 1024, 4 * MB,
                Duration.ofSeconds(3)));
    }
}
