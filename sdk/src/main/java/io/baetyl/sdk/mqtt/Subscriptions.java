package io.baetyl.sdk.mqtt;

import io.baetyl.sdk.util.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions of a {@link HubClient}, made anew on every connection and retried with backoff until the broker
 * grants them.
 */
final class Subscriptions {
    /** {@link HubClient}'s logger: these lines are the client's, and users filter them by its name. */
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);

    private final MqttClientConfig cfg;
    private final MqttAsyncClient client;
    private final ScheduledExecutorService reconnector;
    private final CompletableFuture<Void> firstConnect;
    private final BooleanSupplier closed;
    private final Backoff subscribeBackoff;
    /** Counts successful connects; a subscription retry belongs to the connection it was made for. */
    private final AtomicLong connection = new AtomicLong();

    /**
     * @param reconnector  runs the retries
     * @param firstConnect completed when the subscriptions are granted for the first time
     * @param closed       true once the client is closed
     */
    Subscriptions(MqttClientConfig cfg, MqttAsyncClient client, ScheduledExecutorService reconnector,
            CompletableFuture<Void> firstConnect, BooleanSupplier closed) {
        this.cfg = cfg;
        this.client = client;
        this.reconnector = reconnector;
        this.firstConnect = firstConnect;
        this.closed = closed;
        this.subscribeBackoff = new Backoff(Duration.ofMillis(500), HubClient.max(cfg.interval, Duration.ofMillis(500)), 2);
    }

    /** A connection was made: returns its number, for {@link #subscribe}; retries start from the shortest delay. */
    long newConnection() {
        long gen = connection.incrementAndGet();
        synchronized (subscribeBackoff) {
            subscribeBackoff.reset();
        }
        return gen;
    }

    /**
     * Subscribes {@code subs} on connection {@code gen}. A SUBSCRIBE that fails, or a filter the broker refuses (SUBACK
     * 0x80), is tried again with backoff (500ms doubling up to {@code interval}) for as long as that connection lasts,
     * with one log line per attempt; a new connection subscribes everything anew. With {@code validatesubs} a refused
     * filter is fatal instead ({@link HubClient#connected()} fails), as in the original.
     */
    void subscribe(long gen, List<MqttClientConfig.Subscription> subs) {
        if (closed.getAsBoolean() || gen != connection.get()) {
            return; // that connection is gone; the next one subscribes everything
        }
        if (subs.isEmpty()) {
            firstConnect.complete(null);
            return;
        }
        String[] topics = subs.stream().map(s -> s.topic).toArray(String[]::new);
        int[] qos = subs.stream().mapToInt(s -> s.qos).toArray();
        try {
            client.subscribe(topics, qos, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] granted = token.getGrantedQos();
                    List<MqttClientConfig.Subscription> refused = new ArrayList<>();
                    for (int i = 0; i < subs.size(); i++) {
                        if (i >= granted.length || granted[i] == 0x80) {
                            refused.add(subs.get(i));
                        }
                    }
                    if (refused.isEmpty()) {
                        subscribed(gen, topics);
                        return;
                    }
                    String msg = "subscription to " + quoted(refused) + " refused by " + cfg.address + " (SUBACK 0x80)";
                    if (cfg.validatesubs) {
                        log.error("mqtt {}", msg);
                        firstConnect.completeExceptionally(new IllegalStateException(msg));
                        return;
                    }
                    subscribeLater(gen, refused, msg);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    log.debug("mqtt subscribe failure", e);
                    subscribeLater(gen, subs, "subscribe to " + quoted(subs) + " failed: " + HubClient.describe(e));
                }
            });
        } catch (MqttException | RuntimeException e) {
            log.debug("mqtt subscribe failure", e);
            subscribeLater(gen, subs, "subscribe to " + quoted(subs) + " failed: " + HubClient.describe(e));
        }
    }

    private void subscribed(long gen, String[] topics) {
        int attempts;
        synchronized (subscribeBackoff) {
            attempts = subscribeBackoff.attempts();
            subscribeBackoff.reset();
        }
        if (attempts > 0) {
            log.info("mqtt subscribed after {} refused or failed attempts: address={} clientid={} topics={}", attempts, cfg.address,
                    cfg.clientid, String.join(",", topics));
        }
        if (gen == connection.get()) {
            firstConnect.complete(null);
        }
    }

    private void subscribeLater(long gen, List<MqttClientConfig.Subscription> subs, String why) {
        if (closed.getAsBoolean() || gen != connection.get() || !client.isConnected()) {
            return; // the connection is gone: reconnecting subscribes everything anew
        }
        Duration delay;
        synchronized (subscribeBackoff) {
            delay = subscribeBackoff.next();
        }
        log.warn("mqtt {}: address={} clientid={}; trying again in {}ms", why, cfg.address, cfg.clientid, delay.toMillis());
        try {
            reconnector.schedule(() -> subscribe(gen, subs), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private static String quoted(List<MqttClientConfig.Subscription> subs) {
        return subs.stream().map(s -> "'" + s.topic + "'").collect(Collectors.joining(", "));
    }
}
