package io.baetyl.sdk.mqtt;

import io.baetyl.sdk.net.ServiceHosts;
import io.baetyl.sdk.util.Backoff;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
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
 */
public final class HubClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);
    /** In-flight QoS 1 publishes; Paho refuses more with an error, so keep the window generous. */
    private static final int MAX_INFLIGHT = 1000;

    private final MqttClientConfig cfg;
    private final String configKey;
    /** The service of this app the address names (native mode, reached at 127.0.0.1), or null. */
    private final String serviceHost;
    /** Checks the certificate against the service's name when the socket goes to 127.0.0.1 instead; or null. */
    private final ClientConnectOptions.ServiceNameVerifier serviceName;
    private final Consumer<MqttMessage> handler;
    private final MqttAsyncClient client;
    private final MqttConnectOptions options;
    private final Backoff backoff;
    private final Backoff subscribeBackoff;
    /** Counts successful connects; a subscription retry belongs to the connection it was made for. */
    private final AtomicLong connection = new AtomicLong();
    private final ScheduledExecutorService reconnector;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final AtomicLong connectAttempts = new AtomicLong();
    /** The connect attempt the watchdog gave up on (its failure is a timeout, whatever Paho says). */
    private final AtomicLong abandoned = new AtomicLong();
    /** The socket of the latest connect attempt. */
    private final AtomicReference<Socket> lastSocket = new AtomicReference<>();
    /** The socket of the established connection, while there is one (for {@link #ack(List)}). */
    private volatile Socket connectedSocket;
    /** MQTT straight on TCP (tcp://): batched PUBACKs can be written to the socket as they are. Not ws:// (framed). */
    private final boolean rawTcp;
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
    /**
     * Publishes made while disconnected, at most {@code buffersize}, sent in order once connected again. Also the lock
     * that keeps publishes in order (Paho's own publish is synchronized anyway).
     */
    private final ArrayDeque<Buffered> buffered = new ArrayDeque<>();

    private record Buffered(String topic, int qos, byte[] payload, boolean retain, CompletableFuture<Void> done) {
    }
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
        String dial = hosts.resolve(cfg.address);
        this.serviceHost = dial.equals(cfg.address) ? null : ServiceHosts.hostOf(cfg.address);
        this.serviceName = serviceHost == null ? null
                : new ClientConnectOptions.ServiceNameVerifier(serviceHost, configKey);
        if (serviceHost != null) {
            log.info("{}.address: {} names the service {} of this app, which runs on this host in native mode: "
                    + "connecting to {}", configKey, cfg.address, serviceHost, dial);
        }
        this.handler = handler;
        this.rawTcp = "tcp".equalsIgnoreCase(cfg.scheme());
        this.backoff = new Backoff(Duration.ofMillis(500), max(cfg.interval, Duration.ofMillis(500)), 2);
        this.subscribeBackoff = new Backoff(Duration.ofMillis(500), max(cfg.interval, Duration.ofMillis(500)), 2);
        this.reconnector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mqtt-reconnect-" + cfg.clientid);
            t.setDaemon(true);
            return t;
        });
        try {
            client = new MqttAsyncClient(dial, cfg.clientid, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new IllegalArgumentException(configKey + ": cannot create MQTT client for " + cfg.address + ": "
                    + e.getMessage(), e);
        }
        client.setManualAcks(true);
        // No Paho disconnected buffer (see #buffered): once a drain of it fails half-way, Paho queues every later
        // publish and SUBSCRIBE behind it and refuses them when it is full, and the connection never recovers.
        options = ClientConnectOptions.of(cfg, configKey, MAX_INFLIGHT, lastSocket::set);
        if (serviceHost != null && options.getSocketFactory() instanceof javax.net.ssl.SSLSocketFactory && !cfg.insecure) {
            // The socket goes to 127.0.0.1, the certificate must still be the one of the name the user wrote.
            options.setHttpsHostnameVerificationEnabled(false);
            options.setSSLHostnameVerifier(serviceName);
        }
        client.setCallback(new Callback());
    }

    private static Duration max(Duration a, Duration b) {
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
                    connectedSocket = lastSocket.get();
                    long gen = connection.incrementAndGet();
                    synchronized (subscribeBackoff) {
                        subscribeBackoff.reset();
                    }
                    log.info("mqtt connected: address={} clientid={} sessionPresent={}", cfg.address, cfg.clientid,
                            token.getSessionPresent());
                    notifyConnected();
                    // after every connect: a broker that lost the session (or a clean session) has no subscriptions
                    subscribe(gen, cfg.subscriptions);
                    try {
                        reconnector.execute(HubClient.this::sendBuffered);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        // closing
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    connecting.set(false);
                    if (abandoned.get() == attempt) {
                        e = new MqttException(MqttException.REASON_CODE_CLIENT_TIMEOUT, e);
                    }
                    log.warn("mqtt connect failed: address={} clientid={}: {}", cfg.address, cfg.clientid, describeConnectFailure(e));
                    notifyConnectFailed(e);
                    reconnectLater();
                }
            });
            watchConnect(attempt);
        } catch (MqttException e) {
            connecting.set(false);
            log.warn("mqtt connect failed: address={} clientid={}: {}", cfg.address, cfg.clientid, describeConnectFailure(e));
            notifyConnectFailed(e);
            reconnectLater();
        }
    }

    /**
     * Paho bounds the TCP connect and the TLS handshake by {@code timeout}, but then waits for the CONNACK for as long
     * as the socket stays open: a broker that accepts and never answers (Mosquitto 2.0.11 was seen doing that just
     * after a restart) would stall the client for good. So an attempt still running after {@code timeout} has its
     * socket closed, which fails it like any lost connection, and the next attempt follows after the backoff.
     */
    private void watchConnect(long attempt) {
        long after = Math.max(1000, cfg.timeout.toMillis()) + 1000;
        try {
            reconnector.schedule(() -> {
                if (closed || !connecting.get() || connectAttempts.get() != attempt) {
                    return;
                }
                abandoned.set(attempt);
                log.warn("mqtt connect timed out: address={} clientid={}: no CONNACK within timeout ({}ms); closing the "
                        + "connection and trying again", cfg.address, cfg.clientid, cfg.timeout.toMillis());
                Socket s = lastSocket.get();
                try {
                    if (s != null) {
                        s.close();
                    }
                } catch (IOException e) {
                    // closing anyway
                }
            }, after, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
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
        return ConnectFailures.forConnect(e, cfg, configKey, serviceName == null ? null : serviceName.mismatch());
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
     * Subscribes {@code subs} on connection {@code gen}. A SUBSCRIBE that fails, or a filter the broker refuses (SUBACK
     * 0x80), is tried again with backoff (500ms doubling up to {@code interval}) for as long as that connection lasts,
     * with one log line per attempt; a new connection subscribes everything anew. With {@code validatesubs} a refused
     * filter is fatal instead ({@link #connected()} fails), as in the original.
     */
    private void subscribe(long gen, List<MqttClientConfig.Subscription> subs) {
        if (closed || gen != connection.get()) {
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
                    subscribeLater(gen, subs, "subscribe to " + quoted(subs) + " failed: " + describe(e));
                }
            });
        } catch (MqttException | RuntimeException e) {
            log.debug("mqtt subscribe failure", e);
            subscribeLater(gen, subs, "subscribe to " + quoted(subs) + " failed: " + describe(e));
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
        if (closed || gen != connection.get() || !client.isConnected()) {
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

    /**
     * Publishes a message. The future completes when QoS 1 is acknowledged by the broker (QoS 0: when written).
     * While disconnected up to {@code buffersize} messages wait for the reconnect; beyond that the future fails.
     */
    public CompletableFuture<Void> publish(String topic, int qos, byte[] payload, boolean retain) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (buffered) {
            if (closed) {
                done.completeExceptionally(new IllegalStateException("client closed"));
            } else if (client.isConnected() && buffered.isEmpty()) {
                send(new Buffered(topic, qos, payload, retain, done));
            } else if (buffered.size() < cfg.buffersize) {
                buffered.add(new Buffered(topic, qos, payload, retain, done));
            } else {
                done.completeExceptionally(new MqttException(MqttException.REASON_CODE_CLIENT_NOT_CONNECTED,
                        new IllegalStateException("not connected to " + cfg.address + ", and buffersize (" + cfg.buffersize
                                + ") messages wait for the reconnect already")));
            }
        }
        return done;
    }

    /** Sends what was published while disconnected, in order, as long as the connection lasts. */
    private void sendBuffered() {
        synchronized (buffered) {
            Buffered b;
            while (client.isConnected() && (b = buffered.poll()) != null) {
                send(b);
            }
        }
    }

    private void send(Buffered b) {
        try {
            client.publish(b.topic(), b.payload(), b.qos(), b.retain(), null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    b.done().complete(null);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    b.done().completeExceptionally(e);
                }
            });
        } catch (MqttException | RuntimeException e) {
            b.done().completeExceptionally(e);
        }
    }

    /** Acknowledges a received QoS 1 message (sends its PUBACK); nothing to do for QoS 0. */
    public void ack(MqttMessage message) {
        if (message.qos() == 0) {
            return;
        }
        try {
            client.messageArrivedComplete(message.id(), message.qos());
        } catch (MqttException e) {
            log.warn("mqtt ack failed: clientid={} id={}: {}", cfg.clientid, message.id(), describe(e));
        }
    }

    /**
     * Acknowledges received messages together. On a plain TCP connection the PUBACKs of all QoS 1 messages among them
     * go out in one write, in the order given (one TCP segment for the broker to read, instead of one write and flush
     * per message on Paho's sender thread); over TLS or WebSocket, and for QoS 2, each goes through Paho as {@link
     * #ack(MqttMessage)}. Like that method, it acknowledges on the current connection: a caller that must not ack a
     * message of an earlier connection checks that itself (see {@link StateListener#connectionLost}).
     */
    public void ack(List<MqttMessage> messages) {
        Socket s = connectedSocket;
        if (!rawTcp || !(s instanceof PacketSocket ps) || s.isClosed() || !client.isConnected()) {
            messages.forEach(this::ack); // also between CONNACK and the connect callback: Paho knows the connection
            return;
        }
        byte[] packets = new byte[4 * messages.size()];
        int n = 0;
        for (MqttMessage m : messages) {
            if (m.qos() == 1) {
                packets[n++] = 0x40; // PUBACK
                packets[n++] = 2;    // remaining length: the packet id
                packets[n++] = (byte) (m.id() >> 8);
                packets[n++] = (byte) m.id();
            } else if (m.qos() == 2) {
                ack(m); // PUBREC: Paho keeps the QoS 2 state
            }
        }
        if (n == 0) {
            return;
        }
        try {
            ps.writePackets(packets, 0, n);
        } catch (IOException e) {
            // The connection is going: Paho notices it too, and the broker delivers the messages again.
            log.warn("mqtt ack failed: clientid={} ({} messages): {}", cfg.clientid, n / 4, describe(e));
        }
    }

    /** Disconnects and releases the client. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        connectedSocket = null;
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
        synchronized (buffered) {
            Buffered b;
            while ((b = buffered.poll()) != null) {
                b.done().completeExceptionally(new IllegalStateException("client closed"));
            }
        }
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            // subscriptions are made in the connect listener
        }

        @Override
        public void connectionLost(Throwable cause) {
            connectedSocket = null;
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
