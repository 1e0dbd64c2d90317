package io.baetyl.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The module: one shared idempotent producer for every hub-to-Kafka rule, one consumer per inbound entry, and the
 * counters reported to the master.
 */
public final class RemoteKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RemoteKafka.class);
    /** How long QoS 1 messages may wait for Kafka before it is logged (once per outage). */
    private static final Duration WAITING_WARN = Duration.ofSeconds(15);
    /** On shutdown, how long records already with the producer get to be acknowledged. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final RemoteKafkaConfig cfg;
    private final Consumer<Map<String, Object>> reporter;
    private final Producer<byte[], byte[]> producer;
    private final KafkaProblems problems;
    private final List<HubToKafka> rules = new ArrayList<>();
    private final List<KafkaToHub> inbound = new ArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param cfg      validated config
     * @param reporter receives {@link #stats()} every {@code report.interval} (the master's reportInstance)
     */
    public RemoteKafka(RemoteKafkaConfig cfg, Consumer<Map<String, Object>> reporter) {
        this.cfg = cfg;
        this.reporter = reporter;
        this.problems = new KafkaProblems(cfg.kafka);
        // The producer does not connect before its first send, so making it here never waits for Kafka.
        this.producer = cfg.rules.isEmpty() ? null : new KafkaProducer<>(KafkaSettings.producer(cfg.kafka));
        for (int i = 0; i < cfg.rules.size(); i++) {
            rules.add(new HubToKafka(i, cfg, producer, problems));
        }
        for (int i = 0; i < cfg.inbound.size(); i++) {
            inbound.add(new KafkaToHub(i, cfg));
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "remote-kafka");
            t.setDaemon(true);
            return t;
        });
    }

    public RemoteKafka start() {
        if (rules.isEmpty() && inbound.isEmpty()) {
            log.warn("no rules and no inbound entries configured: nothing to bridge");
        }
        log.info("Kafka at {} ({} rules to Kafka, {} inbound)", KafkaSettings.servers(cfg.kafka), rules.size(), inbound.size());
        rules.forEach(HubToKafka::start);
        inbound.forEach(KafkaToHub::start);
        scheduler.scheduleWithFixedDelay(() -> rules.forEach(r -> r.checkWaiting(WAITING_WARN)), 5, 5, TimeUnit.SECONDS);
        long every = cfg.report.interval.toMillis();
        scheduler.scheduleAtFixedRate(this::report, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    private void report() {
        try {
            Map<String, Object> s = stats();
            log.debug("stats: {}", s);
            reporter.accept(s);
        } catch (RuntimeException e) {
            log.warn("stats report failed: {}", e.toString());
        }
    }

    /** {@code {"kafka_stats": {"rules": [...], "inbound": [...]}}}. */
    public Map<String, Object> stats() {
        List<Map<String, Object>> perRule = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rule", i);
            r.put("kafka_topic", cfg.rules.get(i).kafka.topic);
            r.put("hub", rules.get(i).hub.stats());
            r.put("hub_to_kafka", rules.get(i).stats());
            perRule.add(r);
        }
        List<Map<String, Object>> perInbound = new ArrayList<>();
        for (int i = 0; i < inbound.size(); i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("inbound", i);
            r.put("kafka_topics", cfg.inbound.get(i).kafka.topics);
            r.put("group", cfg.inboundGroup(i));
            r.put("hub", inbound.get(i).hub.stats());
            r.put("kafka_to_hub", inbound.get(i).stats());
            perInbound.add(r);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("bootstrap_servers", String.join(",", KafkaSettings.servers(cfg.kafka)));
        if (producer != null) {
            s.put("producer", producerStats());
        }
        s.put("rules", perRule);
        s.put("inbound", perInbound);
        return Map.of("kafka_stats", s);
    }

    /** Kafka's producer metrics that show how well records are batched (see linger and batch_size). */
    private static final List<String> PRODUCER_METRICS = List.of("records-per-request-avg", "batch-size-avg",
            "record-queue-time-avg", "request-latency-avg");

    private Map<String, Object> producerStats() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (var e : producer.metrics().entrySet()) {
            org.apache.kafka.common.MetricName n = e.getKey();
            if ("producer-metrics".equals(n.group()) && PRODUCER_METRICS.contains(n.name())) {
                Object v = e.getValue().metricValue();
                double d = v instanceof Number num ? num.doubleValue() : Double.NaN;
                m.put(n.name().replace('-', '_'), Double.isFinite(d) ? Math.round(d * 100) / 100.0 : 0.0);
            }
        }
        return m;
    }

    /** Rule {@code i}'s hub_to_kafka counters. */
    public Map<String, Object> ruleStats(int i) {
        return rules.get(i).stats();
    }

    /** Inbound {@code i}'s kafka_to_hub counters. */
    public Map<String, Object> inboundStats(int i) {
        return inbound.get(i).stats();
    }

    /**
     * Stops the consumers, stops sending, gives records already with Kafka {@link #CLOSE_GRACE} to be acknowledged
     * (their acknowledgements still reach the hub), then disconnects. What is left unacknowledged stays in the hub.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdownNow();
        inbound.forEach(KafkaToHub::close);
        rules.forEach(HubToKafka::stopSending);
        if (producer != null) {
            producer.close(CLOSE_GRACE);
        }
        rules.forEach(HubToKafka::closeHub);
        problems.close();
    }
}
