package io.baetyl.function.manager;

import baetyl.FunctionOuterClass.FunctionMessage;
import com.google.protobuf.ByteString;
import io.baetyl.sdk.mqtt.HubClient;
import io.baetyl.sdk.mqtt.MqttClientConfig;
import io.baetyl.sdk.mqtt.MqttMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rule: its own hub connection subscribes {@code subscribe.topic}, every message is handed to the function
 * (up to {@code retry.max} attempts) and the result published on {@code publish.topic} with QoS
 * min(input, {@code publish.qos}). An empty result publishes nothing; after the last failure the error payload is
 * published instead. A QoS 1 input is acknowledged only once its output is (or at once when nothing is published),
 * so a message is never lost between hub, function and hub.
 *
 * <p>Messages are processed concurrently (up to the function's max instances); nothing here blocks Paho's callback
 * thread, which also completes our publish futures.
 */
final class RuleRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuleRunner.class);
    /**
     * QoS 0 messages waiting for an instance beyond this are dropped (with a warning): QoS 0 promises nothing, and an
     * unbounded queue would only turn overload into an out-of-memory crash. QoS 1 input is bounded by the hub's
     * in-flight window, since we acknowledge late.
     */
    static final int MAX_PENDING_QOS0 = 10_000;

    private final String clientId;
    private final ManagerConfig.Rule rule;
    private final ManagedFunction function;
    private final HubClient client;
    private final int attempts;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    RuleRunner(String clientId, ManagerConfig.Rule rule, ManagedFunction function, MqttClientConfig hub) {
        this.clientId = clientId;
        this.rule = rule;
        this.function = function;
        this.attempts = Math.max(1, rule.retry.max);
        MqttClientConfig cfg = hub.with(clientId,
                List.of(new MqttClientConfig.Subscription(rule.subscribe.topic, rule.subscribe.qos)));
        this.client = new HubClient(cfg, this::onMessage);
    }

    RuleRunner start() {
        client.start();
        return this;
    }

    /** Completes when connected and subscribed (for tests and start-up logs). */
    CompletableFuture<Void> connected() {
        return client.connected();
    }

    int pending() {
        return pending.get();
    }

    /** On Paho's callback thread: build the call and return at once. */
    private void onMessage(MqttMessage in) {
        if (closed) {
            return; // not acknowledged: the hub redelivers a QoS 1 message to our next session
        }
        if (in.qos() == 0 && pending.get() >= MAX_PENDING_QOS0) {
            if (dropped.incrementAndGet() % 1000 == 1) {
                log.warn("function overloaded, QoS 0 messages dropped: rule={} function={} dropped={}", clientId,
                        function.name(), dropped.get());
            }
            return;
        }
        pending.incrementAndGet();
        FunctionMessage msg = FunctionMessage.newBuilder()
                .setID(in.id())
                .setQOS(in.qos())
                .setTopic(in.topic())
                .setPayload(ByteString.copyFrom(in.payload()))
                .setTimestamp(Instant.now().getEpochSecond())
                .setFunctionName(function.name())
                .setFunctionInvokeID(UUID.randomUUID().toString())
                .build();
        long t0 = System.nanoTime();
        attempt(msg, 1).whenComplete((out, err) -> {
            int qos = Math.min(in.qos(), rule.publish.qos);
            byte[] payload;
            if (err != null) {
                log.error("function call failed: rule={} function={} topic={} invokeid={} attempts={} error={}",
                        clientId, function.name(), in.topic(), msg.getFunctionInvokeID(), attempts,
                        GoErrors.message(err));
                payload = GoErrors.errorPayload(msg, err);
            } else {
                payload = out.getPayload().toByteArray();
            }
            if (payload.length == 0) {
                log.debug("function returned nothing, not published: rule={} function={} invokeid={}", clientId,
                        function.name(), msg.getFunctionInvokeID());
                done(in);
                return;
            }
            client.publish(rule.publish.topic, qos, payload, false).whenComplete((v, pubErr) -> {
                if (pubErr != null) {
                    // Not acknowledged: the hub redelivers the input, which is the only way to not lose it.
                    log.warn("publish failed, input left unacknowledged: rule={} topic={} error={}", clientId,
                            rule.publish.topic, pubErr.toString());
                    pending.decrementAndGet();
                    return;
                }
                if (log.isDebugEnabled()) {
                    log.debug("published: rule={} topic={} qos={} bytes={} ms={}", clientId, rule.publish.topic, qos,
                            payload.length, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                }
                done(in);
            });
        });
    }

    private void done(MqttMessage in) {
        pending.decrementAndGet();
        client.ack(in);
    }

    private CompletableFuture<FunctionMessage> attempt(FunctionMessage msg, int n) {
        return function.call(msg).exceptionallyCompose(e -> {
            Throwable cause = ManagedFunction.unwrap(e);
            if (n >= attempts || closed || !retryable(cause)) {
                return CompletableFuture.failedFuture(cause);
            }
            log.warn("function call failed, retrying: rule={} function={} invokeid={} attempt={}/{} error={}",
                    clientId, function.name(), msg.getFunctionInvokeID(), n, attempts, GoErrors.message(cause));
            return attempt(msg, n + 1);
        });
    }

    /** An oversized message fails the same way every time. */
    private static boolean retryable(Throwable e) {
        return !(e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
                && s.getStatus().getDescription() != null
                && s.getStatus().getDescription().startsWith("grpc: trying to send message larger than max"));
    }

    @Override
    public void close() {
        closed = true;
        client.close();
    }
}
