package io.baetyl.sdk.mqtt;

import io.baetyl.sdk.net.ServiceHosts;
import io.baetyl.sdk.util.Backoff;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A module's MQTT connection to the hub (or to a remote broker), on Eclipse Paho: connects in the background and
 * reconnects forever with backoff (500ms doubling up to {@code interval}), re-subscribes after every connect (and
 * retries a SUBSCRIBE that fails or is refused, with the same backoff, until it is granted), and
 * leaves QoS 1 deliveries unacknowledged until {@link #ack} so that acknowledgement can be chained end to end.
 *
 * <p>The message handler runs on Paho's callback thread, which also completes publish futures: it must not block
 * waiting for the broker (hand work to an executor instead).
 *
 * <p>This class keeps the connect loop; its parts in this package are {@code Subscriptions}, {@code PublishBuffer},
 * {@code PubackWriter}, {@code ConnectWatchdog} and {@code DialAddress}.
 */
public final class HubClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);
    /** In-flight QoS 1 publishes; Paho refuses more with an error, so keep the window generous. */
    private static final int MAX_INFLIGHT = 1000;

    private final MqttClientConfig cfg;
    private final String configKey;
    private final DialAddress address;
    private final Consumer<MqttMessage> handler;
    private final MqttAsyncClient client;
    private final MqttConnectOptions options;
    private final Backoff backoff;
    private final ScheduledExecutorService reconnector;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final AtomicLong connectAttempts = new AtomicLong();
    /** The socket of the latest connect attempt. */
    private final AtomicReference<Socket> lastSocket = new AtomicReference<>();
    private final ConnectWatchdog watchdog;
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
    private final Subscriptions subscriptions;
    private final PublishBuffer publishes;
    private final PubackWriter acks;
    private volatile StateListener listener = new StateListener() { };
    private volatile boolean closed;

    /**
     * Connection events, for modules that report connection state or must know that a session ended (QoS 1
     * deliveries of an ended connection can no longer be acknowledged). Called on Paho's threads: must not block.
     */
    public interface StateListener {
        /** Connected; the subscriptions are being made (and retried until the broker grants them). */
        default void connected() {
        }

        /** A connection attempt failed; another follows after the backoff. */
        default void connectFailed(Throwable cause) {
        }

        /** An established connection was lost; reconnecting follows after the backoff. */
        default void connectionLost(Throwable cause) {
        }
    }

    /**
     * @param handler receives every message of the configured subscriptions; may be null for publish-only clients
     */
    public HubClient(MqttClientConfig cfg, Consumer<MqttMessage> handler) {
        this(cfg, "hub", handler);
    }

    /**
     * @param configKey where {@code cfg} sits in the module's config ({@code hub}, {@code remotes[0]}), named in
     *                  errors such as {@code remotes[0].key: ...}
     * @param handler   receives every message of the configured subscriptions; may be null for publish-only clients
     * @throws io.baetyl.sdk.config.ConfigException when a TLS file cannot be used
     */
    public HubClient(MqttClientConfig cfg, String configKey, Consumer<MqttMessage> handler) {
        this(cfg, configKey, handler, ServiceHosts.fromEnv(System.getenv()));
    }

    /**
     * @param hosts the app's service names that resolve to this host (native mode); see {@link ServiceHosts}
     */
    public HubClient(MqttClientConfig cfg, String configKey, Consumer<MqttMessage> handler, ServiceHosts hosts) {
        cfg.validate(configKey);
        this.cfg = cfg;
        this.configKey = configKey;
        this.address = new DialAddress(cfg, configKey, hosts);
        this.handler = handler;
        this.backoff = new Backoff(Duration.ofMillis(500), max(cfg.interval, Duration.ofMillis(500)), 2);
        this.reconnector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mqtt-reconnect-" + cfg.clientid);
            t.setDaemon(true);
            return t;
        });
        try {
            client = new MqttAsyncClient(address.dial, cfg.clientid, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new IllegalArgumentException(configKey + ": cannot create MQTT client for " + cfg.address + ": "
                    + e.getMessage(), e);
        }
        client.setManualAcks(true);
        this.subscriptions = new Subscriptions(cfg, client, reconnector, firstConnect, () -> closed);
        this.publishes = new PublishBuffer(cfg, client, () -> closed);
        this.acks = new PubackWriter(cfg, client);
        this.watchdog = new ConnectWatchdog(cfg, reconnector, lastSocket::get);
        // No Paho disconnected buffer (see PublishBuffer): once a drain of it fails half-way, Paho queues every later
        // publish and SUBSCRIBE behind it and refuses them when it is full, and the connection never recovers.
        options = ClientConnectOptions.of(cfg, configKey, MAX_INFLIGHT, lastSocket::set);
        address.checkServiceName(options, cfg);
        client.setCallback(new Callback());
    }

    static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Sets the connection listener; call before {@link #start()}. */
    public HubClient onState(StateListener l) {
        this.listener = l;
        return this;
    }

    /** Starts connecting in the background; returns at once. */
    public HubClient start() {
        connect();
        return this;
    }

    /**
     * Completes when the subscriptions are granted for the first time, or fails on a refused subscription with
     * {@code validatesubs}.
     */
    public CompletableFuture<Void> connected() {
        return firstConnect;
    }

    public boolean isConnected() {
        return client.isConnected();
    }

    public String clientId() {
        return client.getClientId();
    }

    private void connect() {
        if (closed || !connecting.compareAndSet(false, true)) {
            return;
        }
        long attempt = connectAttempts.incrementAndGet();
        try {
            client.connect(options, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    connecting.set(false);
                    backoff.reset();
                    acks.connected(lastSocket.get());
                    long gen = subscriptions.newConnection();
                    log.info("mqtt connected: address={} clientid={} sessionPresent={}", cfg.address, cfg.clientid,
                            token.getSessionPresent());
                    notifyConnected();
                    // after every connect: a broker that lost the session (or a clean session) has no subscriptions
                    subscriptions.subscribe(gen, cfg.subscriptions);
                    try {
                        reconnector.execute(publishes::sendBuffered);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        // closing
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    connecting.set(false);
                    if (watchdog.abandoned(attempt)) {
                        e = new MqttException(MqttException.REASON_CODE_CLIENT_TIMEOUT, e);
                    }
                    log.warn("mqtt connect failed: address={} clientid={}: {}", cfg.address, cfg.clientid, describeConnectFailure(e));
                    notifyConnectFailed(e);
                    reconnectLater();
                }
            });
            watchdog.watch(attempt, () -> !closed && connecting.get() && connectAttempts.get() == attempt);
        } catch (MqttException e) {
            connecting.set(false);
            log.warn("mqtt connect failed: address={} clientid={}: {}", cfg.address, cfg.clientid, describeConnectFailure(e));
            notifyConnectFailed(e);
            reconnectLater();
        }
    }

    private void notifyConnectFailed(Throwable e) {
        try {
            listener.connectFailed(e);
        } catch (RuntimeException le) {
            log.error("mqtt state listener failed: {}", le.toString(), le);
        }
    }

    private void notifyConnected() {
        try {
            listener.connected();
        } catch (RuntimeException le) {
            log.error("mqtt state listener failed: {}", le.toString(), le);
        }
    }

    /** What went wrong, in the words a user needs (Paho's reason codes are numbers). */
    public static String describe(Throwable e) {
        return ConnectFailures.describe(e);
    }

    /** {@link #describe} for a failed connect of this client (see {@link ConnectFailures#forConnect}). */
    public String describeConnectFailure(Throwable e) {
        return ConnectFailures.forConnect(e, cfg, configKey, address.mismatch());
    }

    private void reconnectLater() {
        if (closed) {
            return;
        }
        Duration delay = backoff.next();
        log.debug("mqtt reconnect in {}ms: address={} clientid={}", delay.toMillis(), cfg.address, cfg.clientid);
        try {
            reconnector.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * Publishes a message. The future completes when QoS 1 is acknowledged by the broker (QoS 0: when written).
     * While disconnected up to {@code buffersize} messages wait for the reconnect; beyond that the future fails.
     */
    public CompletableFuture<Void> publish(String topic, int qos, byte[] payload, boolean retain) {
        return publishes.publish(topic, qos, payload, retain);
    }

    /** Acknowledges a received QoS 1 message (sends its PUBACK); nothing to do for QoS 0. */
    public void ack(MqttMessage message) {
        acks.ack(message);
    }

    /**
     * Acknowledges received messages together. On a plain TCP connection the PUBACKs of all QoS 1 messages among them
     * go out in one write, in the order given (one TCP segment for the broker to read, instead of one write and flush
     * per message on Paho's sender thread); over TLS or WebSocket, and for QoS 2, each goes through Paho as {@link
     * #ack(MqttMessage)}. Like that method, it acknowledges on the current connection: a caller that must not ack a
     * message of an earlier connection checks that itself (see {@link StateListener#connectionLost}).
     */
    public void ack(List<MqttMessage> messages) {
        acks.ack(messages);
    }

    /** Disconnects and releases the client. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        acks.disconnected();
        reconnector.shutdownNow();
        try {
            if (client.isConnected()) {
                client.disconnect(1000).waitForCompletion(2000);
            }
        } catch (MqttException e) {
            log.debug("mqtt disconnect: {}", describe(e));
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            log.debug("mqtt close: {}", describe(e));
        }
        firstConnect.completeExceptionally(new IllegalStateException("closed"));
        publishes.failBuffered();
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            // subscriptions are made in the connect listener
        }

        @Override
        public void connectionLost(Throwable cause) {
            acks.disconnected();
            if (closed) {
                return;
            }
            log.warn("mqtt connection lost: address={} clientid={}: {}", cfg.address, cfg.clientid, describe(cause));
            try {
                listener.connectionLost(cause);
            } catch (RuntimeException le) {
                log.error("mqtt state listener failed: {}", le.toString(), le);
            }
            reconnectLater();
        }

        @Override
        public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
            MqttMessage msg = new MqttMessage(topic, m.getQos(), m.getPayload(), m.isRetained(), m.isDuplicate(), m.getId());
            if (handler == null) {
                ack(msg);
                return;
            }
            try {
                handler.accept(msg);
            } catch (RuntimeException e) {
                log.error("mqtt message handler failed: topic={}: {}", topic, e.toString(), e);
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // publish futures complete through their own listeners
        }
    }
}
