package io.baetyl.remote;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The module: one {@link RuleBridge} per rule, a resend safety net, and the counters reported to the master. */
public final class RemoteMqtt implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RemoteMqtt.class);
    /** How often failed QoS 1 publishes are tried again besides right after a reconnect. */
    private static final long RESEND_EVERY_MS = 1000;

    private final RemoteMqttConfig cfg;
    private final Consumer<Map<String, Object>> reporter;
    private final List<RuleBridge> rules = new ArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param cfg      validated config
     * @param reporter receives {@link #stats()} every {@code report.interval} (the master's reportInstance)
     */
    public RemoteMqtt(RemoteMqttConfig cfg, Consumer<Map<String, Object>> reporter) {
        this.cfg = cfg;
        this.reporter = reporter;
        try {
            for (int i = 0; i < cfg.rules.size(); i++) {
                RemoteMqttConfig.Rule rule = cfg.rules.get(i);
                String remoteKey = "remotes[" + cfg.remotes.indexOf(cfg.remote(rule.remote.name)) + "]";
                rules.add(new RuleBridge(i, rule.remote.name, remoteKey, cfg.hubClient(rule), cfg.remoteClient(rule)));
            }
        } catch (RuntimeException e) {
            rules.forEach(RuleBridge::close); // a later rule's bad TLS file must not leave the earlier clients behind
            throw e;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "remote-mqtt");
            t.setDaemon(true);
            return t;
        });
    }

    public RemoteMqtt start() {
        if (rules.isEmpty()) {
            log.warn("no rules configured: nothing to bridge");
        }
        rules.forEach(RuleBridge::start);
        scheduler.scheduleWithFixedDelay(() -> rules.forEach(RuleBridge::resend), RESEND_EVERY_MS, RESEND_EVERY_MS,
                TimeUnit.MILLISECONDS);
        long every = cfg.report.interval.toMillis();
        scheduler.scheduleAtFixedRate(this::report, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    private void report() {
        try {
            reporter.accept(stats());
        } catch (RuntimeException e) {
            log.warn("stats report failed: {}", e.toString());
        }
    }

    /**
     * Completes exceptionally when a rule's subscription is refused on a side with {@code validatesubs}, the one
     * condition the original module exited on.
     */
    public CompletableFuture<Void> subscribed() {
        return CompletableFuture.allOf(rules.stream().map(RuleBridge::subscribed).toArray(CompletableFuture[]::new));
    }

    /** {@code {"remote_stats": {"rules": [per rule: hub, remote, hub_to_remote, remote_to_hub]}}}. */
    public Map<String, Object> stats() {
        List<Map<String, Object>> perRule = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rule", i);
            r.put("remote", cfg.rules.get(i).remote.name);
            r.putAll(rules.get(i).stats());
            perRule.add(r);
        }
        return Map.of("remote_stats", Map.of("rules", perRule));
    }

    /** Rule {@code i}'s counters (as in {@link #stats()}). */
    public Map<String, Object> ruleStats(int i) {
        return rules.get(i).stats();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdownNow();
        rules.forEach(RuleBridge::close);
    }
}
