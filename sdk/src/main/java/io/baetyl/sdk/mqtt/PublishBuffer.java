package io.baetyl.sdk.mqtt;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * The publishes of a {@link HubClient}, in order: sent at once while connected, kept (at most {@code buffersize})
 * while disconnected and sent once connected again (instead of Paho's disconnected buffer: see HubClient's
 * constructor for why).
 */
final class PublishBuffer {
    private final MqttClientConfig cfg;
    private final MqttAsyncClient client;
    private final BooleanSupplier closed;
    /**
     * Publishes made while disconnected, at most {@code buffersize}, sent in order once connected again. Also the lock
     * that keeps publishes in order (Paho's own publish is synchronized anyway).
     */
    private final ArrayDeque<Buffered> buffered = new ArrayDeque<>();

    private record Buffered(String topic, int qos, byte[] payload, boolean retain, CompletableFuture<Void> done) {
    }

    /** @param closed true once the client is closed */
    PublishBuffer(MqttClientConfig cfg, MqttAsyncClient client, BooleanSupplier closed) {
        this.cfg = cfg;
        this.client = client;
        this.closed = closed;
    }

    /** See {@link HubClient#publish}. */
    CompletableFuture<Void> publish(String topic, int qos, byte[] payload, boolean retain) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (buffered) {
            if (closed.getAsBoolean()) {
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
    void sendBuffered() {
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

    /** The client is closed: what still waits fails. */
    void failBuffered() {
        synchronized (buffered) {
            Buffered b;
            while ((b = buffered.poll()) != null) {
                b.done().completeExceptionally(new IllegalStateException("client closed"));
            }
        }
    }
}
