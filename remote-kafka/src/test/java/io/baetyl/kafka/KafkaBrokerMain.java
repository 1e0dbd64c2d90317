package io.baetyl.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The test broker's main: formats the KRaft storage on first start (what {@code kafka-storage.sh format} does), then
 * runs Kafka ({@code kafka-server-start.sh}). One JVM instead of two saves seconds per start.
 * Usage: {@code KafkaBrokerMain server.properties clusterId}.
 */
public final class KafkaBrokerMain {
    private KafkaBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        // Broker logs at info (startup, shutdown, recovery: what a failing test needs), its clients' chatter at warn.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients")).setLevel(
                ch.qos.logback.classic.Level.WARN);
        Properties p = new Properties();
        try (var in = Files.newInputStream(Path.of(args[0]))) {
            p.load(in);
        }
        Path logDir = Path.of(p.getProperty("log.dirs"));
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            int rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t", args[1], "-c", args[0]}, System.out);
            if (rc != 0) {
                System.err.println("format failed: " + rc);
                System.exit(rc);
            }
        }
        kafka.Kafka.main(new String[] {args[0]});
    }
}
