package io.baetyl.kafka;

import io.baetyl.sdk.Baetyl;

/** baetyl-remote-kafka: {@code -c etc/baetyl/service.yml}; bridges until SIGTERM/SIGINT (exit 0), exit 1 on a bad config. */
public final class RemoteKafkaMain {
    private RemoteKafkaMain() {
    }

    /** The Kafka client's loggers at {@code level}; the bridge's own follow logger.level. */
    static void kafkaLogLevel(String level) {
        ch.qos.logback.classic.Level l = ch.qos.logback.classic.Level.toLevel(level, ch.qos.logback.classic.Level.WARN);
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka")).setLevel(l);
    }

    public static void main(String[] args) {
        Baetyl.run(args, ctx -> {
            RemoteKafkaConfig cfg = ctx.loadConfig(RemoteKafkaConfig.class);
            kafkaLogLevel(cfg.kafka.log_level);
            try (RemoteKafka bridge = new RemoteKafka(cfg, ctx::reportInstance).start()) {
                ctx.awaitShutdown();
            }
        });
    }
}
