package io.baetyl.hub.it;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** Load for the flood tests: publishers that go as fast as the hub lets them, a probe, and an RSS sampler. */
final class Floods {
    private Floods() {
    }

    static MqttConnectOptions options(boolean clean) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("u1");
        o.setPassword("p1".toCharArray());
        o.setCleanSession(clean);
        o.setKeepAliveInterval(60);
        o.setConnectionTimeout(30);
        o.setAutomaticReconnect(false);
        o.setMaxInflight(1000);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        return o;
    }

    /** Something that runs in its own thread until {@link #close()}. */
    abstract static class Loop implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Loop(String name) {
            thread = new Thread(this::runLoop, name);
            thread.setDaemon(true);
        }

        Loop start() {
            thread.start();
            return this;
        }

        private void runLoop() {
            while (running.get()) {
                try {
                    step();
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    try {
                        failed(e);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }

        abstract void step() throws Exception;

        void failed(Exception e) throws InterruptedException {
            Thread.sleep(100);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    /**
     * Publishes {@code payload} to {@code topic} at QoS {@code qos} as fast as the hub takes it: QoS 1 with up to 100
     * unacknowledged publishes, QoS 0 with the socket as the only brake. When the hub closes the connection (a QoS 1
     * publish it could not store), it connects again and goes on.
     */
    static final class Publisher extends Loop {
        final String url;
        final String topic;
        final int qos;
        final byte[] payload;
        final boolean retainedTopics;
        final AtomicLong acked = new AtomicLong();
        final AtomicLong reconnects = new AtomicLong();
        private final Semaphore window = new Semaphore(100);
        private MqttAsyncClient async;
        private MqttClient sync;
        private long n;

        /** @param retainedTopics publish retained messages, each to its own topic {@code topic/<n>} */
        Publisher(String url, String id, String topic, int qos, int bytes, boolean retainedTopics) throws MqttException {
            super("flood-" + id);
            this.url = url;
            this.topic = topic;
            this.qos = qos;
            this.payload = new byte[bytes];
            this.retainedTopics = retainedTopics;
            if (qos == 1) {
                async = new MqttAsyncClient(url, id, new MemoryPersistence());
            } else {
                sync = new MqttClient(url, id, new MemoryPersistence());
            }
        }

        /** Publishes exactly {@code count} messages, then stops. */
        long limit = Long.MAX_VALUE;

        @Override
        void step() throws Exception {
            if (n >= limit) {
                running.set(false);
                return;
            }
            String t = retainedTopics ? topic + "/" + n : topic;
            if (qos == 1) {
                if (!async.isConnected()) {
                    async.connect(options(true)).waitForCompletion(30_000);
                    window.drainPermits();
                    window.release(100);
                }
                if (!window.tryAcquire(1, TimeUnit.SECONDS)) {
                    return;
                }
                async.publish(t, payload, 1, retainedTopics, null, new IMqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        acked.incrementAndGet();
                        window.release();
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable e) {
                        window.release();
                    }
                });
            } else {
                if (!sync.isConnected()) {
                    sync.connect(options(true));
                }
                sync.publish(t, payload, 0, retainedTopics);
                acked.incrementAndGet();
            }
            n++;
        }

        @Override
        void failed(Exception e) throws InterruptedException {
            reconnects.incrementAndGet();
            try {
                if (async != null && async.isConnected()) {
                    async.disconnectForcibly(100, 100);
                }
            } catch (MqttException ignored) {
                // reconnecting anyway
            }
            Thread.sleep(100);
        }

        @Override
        public void close() throws InterruptedException {
            super.close();
            try {
                if (async != null) {
                    if (async.isConnected()) {
                        async.disconnectForcibly(1000, 1000);
                    }
                    async.close(true);
                }
                if (sync != null) {
                    if (sync.isConnected()) {
                        sync.disconnectForcibly(1000, 1000);
                    }
                    sync.close(true);
                }
            } catch (MqttException ignored) {
                // closing
            }
        }
    }

    /**
     * Every 200 ms, publishes a QoS 0 message to its own subscription and waits for it: the round trip through the
     * hub's event loops that every client shares. A probe that does not come back counts as the time it was waited for.
     */
    static final class Probe extends Loop {
        private final MqttClient client;
        private final Semaphore back = new Semaphore(0);
        final AtomicLong count = new AtomicLong();
        final AtomicLong maxNanos = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        private final Duration waitAtMost;

        Probe(String url, Duration waitAtMost) throws MqttException {
            super("probe");
            this.waitAtMost = waitAtMost;
            client = new MqttClient(url, "probe", new MemoryPersistence());
            client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                    back.release();
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
            client.connect(options(true));
            client.subscribe("probe/rtt", 0);
        }

        @Override
        void step() throws Exception {
            back.drainPermits();
            long t0 = System.nanoTime();
            client.publish("probe/rtt", new byte[16], 0, false);
            boolean ok = back.tryAcquire(waitAtMost.toMillis(), TimeUnit.MILLISECONDS);
            long rtt = System.nanoTime() - t0;
            if (!ok) {
                lost.incrementAndGet();
            }
            maxNanos.accumulateAndGet(rtt, Math::max);
            count.incrementAndGet();
            Thread.sleep(200);
        }

        @Override
        void failed(Exception e) throws InterruptedException {
            lost.incrementAndGet();
            Thread.sleep(200);
        }

        Duration max() {
            return Duration.ofNanos(maxNanos.get());
        }

        @Override
        public void close() throws InterruptedException {
            super.close();
            try {
                client.disconnectForcibly(1000, 1000);
                client.close(true);
            } catch (MqttException ignored) {
                // closing
            }
        }
    }

    /** Samples a process's resident set size every 100 ms and keeps the largest. */
    static final class RssSampler extends Loop {
        private final HubProcess hub;
        final AtomicLong max = new AtomicLong();

        RssSampler(HubProcess hub) {
            super("rss");
            this.hub = hub;
        }

        @Override
        void step() throws InterruptedException {
            max.accumulateAndGet(hub.rss(), Math::max);
            Thread.sleep(100);
        }
    }
}
