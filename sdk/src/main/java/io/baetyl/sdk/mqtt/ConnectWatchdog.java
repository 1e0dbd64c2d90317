package io.baetyl.sdk.mqtt;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paho bounds the TCP connect and the TLS handshake by {@code timeout}, but then waits for the CONNACK for as long
 * as the socket stays open: a broker that accepts and never answers (Mosquitto 2.0.11 was seen doing that just
 * after a restart) would stall the client for good. So an attempt still running after {@code timeout} has its
 * socket closed, which fails it like any lost connection, and the next attempt follows after the backoff.
 */
final class ConnectWatchdog {
    /** {@link HubClient}'s logger: these lines are the client's, and users filter them by its name. */
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);

    private final MqttClientConfig cfg;
    private final ScheduledExecutorService reconnector;
    /** The socket of the latest connect attempt. */
    private final Supplier<Socket> lastSocket;
    /** The connect attempt the watchdog gave up on (its failure is a timeout, whatever Paho says). */
    private final AtomicLong abandoned = new AtomicLong();

    ConnectWatchdog(MqttClientConfig cfg, ScheduledExecutorService reconnector, Supplier<Socket> lastSocket) {
        this.cfg = cfg;
        this.reconnector = reconnector;
        this.lastSocket = lastSocket;
    }

    /** Closes the socket of {@code attempt} if it is still {@code running} after {@code timeout}. */
    void watch(long attempt, BooleanSupplier running) {
        long after = Math.max(1000, cfg.timeout.toMillis()) + 1000;
        try {
            reconnector.schedule(() -> {
                if (!running.getAsBoolean()) {
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

    /** Whether this watchdog gave up on {@code attempt}: then its failure is a timeout, whatever Paho says. */
    boolean abandoned(long attempt) {
        return abandoned.get() == attempt;
    }
}
