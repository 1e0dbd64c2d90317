package io.baetyl.kafka;

import io.baetyl.hub.testing.Certs;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.testing.FreePorts;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A real Kafka broker (Apache Kafka from Maven Central, KRaft: broker and controller in one node, no ZooKeeper) as a
 * child JVM on random 127.0.0.1 ports, with topics never created on first use. Optionally a SASL_SSL listener (PLAIN,
 * user {@code bridge} / {@code bridge-secret}) with a certificate from {@link Certs}. Stopped with SIGTERM or killed;
 * started again on the same ports and data.
 */
final class KafkaBroker implements AutoCloseable {
    final Path dir;
    final int port = FreePorts.next();
    final int controllerPort = FreePorts.next();
    final int saslPort;
    private final String clusterId = Uuid.randomUuid().toString();
    private Process process;
    private Admin admin;

    KafkaBroker(Path dir, Certs certs) throws Exception {
        this.dir = dir;
        this.saslPort = certs == null ? 0 : FreePorts.next();
        Files.createDirectories(dir);
        StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        StringBuilder advertised = new StringBuilder("PLAINTEXT://127.0.0.1:" + port);
        String map = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
        StringBuilder extra = new StringBuilder();
        if (certs != null) {
            listeners.append(",SASL_SSL://127.0.0.1:").append(saslPort);
            advertised.append(",SASL_SSL://127.0.0.1:").append(saslPort);
            map += ",SASL_SSL:SASL_SSL";
            extra.append("sasl.enabled.mechanisms=PLAIN\n")
                    .append("listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule ")
                    .append("required username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" ")
                    .append("user_bridge=\"bridge-secret\";\n")
                    .append("listener.name.sasl_ssl.ssl.keystore.type=PEM\n")
                    .append("listener.name.sasl_ssl.ssl.keystore.certificate.chain=").append(escape(Files.readString(certs.serverCert))).append('\n')
                    .append("listener.name.sasl_ssl.ssl.keystore.key=").append(escape(Files.readString(certs.serverKey))).append('\n');
        }
        String props = """
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@127.0.0.1:%d
                listeners=%s
                advertised.listeners=%s
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=%s
                log.dirs=%s
                num.partitions=1
                auto.create.topics.enable=false
                offsets.topic.replication.factor=1
                offsets.topic.num.partitions=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                log.segment.bytes=16777216
                """.formatted(controllerPort, listeners, advertised, map, dir.resolve("data")) + extra;
        Files.writeString(dir.resolve("server.properties"), props);
    }

    /** A PEM text as one properties-file line. */
    private static String escape(String pem) {
        return pem.strip().replace("\n", "\\n");
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    String saslBootstrap() {
        return "127.0.0.1:" + saslPort;
    }

    /** Starts the broker and waits until it answers metadata requests. */
    KafkaBroker start() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), KafkaBrokerMain.class.getName(),
                dir.resolve("server.properties").toString(), clusterId));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.toFile(), "broker.out"))).start();
        Process started = process;
        // A test JVM that dies or times out must not leave a broker behind.
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "kafka-broker-reaper"));
        await("Kafka broker on " + bootstrap()).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("Kafka broker exited: " + Files.readString(dir.resolve("broker.out")));
                    }
                    try {
                        return !admin().describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
                    } catch (Exception e) {
                        return false;
                    }
                });
        return this;
    }

    /** SIGTERM, as a clean shutdown. */
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGKILL, as a crash. */
    void kill() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    synchronized Admin admin() {
        if (admin == null) {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap());
            p.put("request.timeout.ms", "5000");
            p.put("default.api.timeout.ms", "10000");
            admin = Admin.create(p);
        }
        return admin;
    }

    void createTopic(String name, int partitions) throws Exception {
        admin().createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    /** Committed offsets of a consumer group, per partition. */
    Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : admin().listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).entrySet()) {
            if (e.getValue() != null) {
                out.put(e.getKey(), e.getValue().offset());
            }
        }
        return out;
    }

    /** Every record of {@code topic} from the beginning, reading until at least {@code atLeast} are there (or 60s). */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap());
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("isolation.level", "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(30))) {
                tps.add(new TopicPartition(topic, pi.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(out::add);
                if (out.size() >= atLeast) {
                    // one more short poll: more than expected (duplicates) should show too
                    c.poll(Duration.ofMillis(300)).forEach(out::add);
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
        stop();
    }
}
