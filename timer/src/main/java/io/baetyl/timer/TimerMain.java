package io.baetyl.timer;

import io.baetyl.sdk.Baetyl;
import io.baetyl.sdk.mqtt.HubClient;
import java.time.Clock;

/** baetyl-timer: {@code -c etc/baetyl/service.yml}; publishes on schedule until SIGTERM/SIGINT, then exits 0. */
public final class TimerMain {
    private TimerMain() {
    }

    public static void main(String[] args) {
        Baetyl.run(args, ctx -> {
            TimerConfig cfg = ctx.loadConfig(TimerConfig.class);
            try (HubClient hub = new HubClient(cfg.hub, null).start();
                 Ticker ticker = new Ticker(cfg, hub, Clock.systemUTC()).start()) {
                ctx.awaitShutdown();
                ctx.log().info("timer stopping: {}", ticker.stats());
            }
        });
    }
}
