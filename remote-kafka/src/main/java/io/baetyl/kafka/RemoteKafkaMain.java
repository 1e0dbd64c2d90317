package io.baetyl.kafka;

import io.baetyl.sdk.Baetyl;

/** baetyl-remote-kafka: {@code -c etc/baetyl/service.yml}; bridges until SIGTERM/SIGINT (exit 0), exit 1 on a bad config. */
public final class RemoteKafkaMain {
    private RemoteKafkaMain() {
    }

    public static void main(String[] args) {
        Baetyl.run(args, ctx -> {
            RemoteKafkaConfig cfg = ctx.loadConfig(RemoteKafkaConfig.class);
            try (RemoteKafka bridge = new RemoteKafka(cfg, ctx::reportInstance).start()) {
                ctx.awaitShutdown();
            }
        });
    }
}
