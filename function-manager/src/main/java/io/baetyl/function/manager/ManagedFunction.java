package io.baetyl.function.manager;

import baetyl.FunctionOuterClass.FunctionMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/** A configured function: its pool, its call deadline and message limit, and its call statistics. */
final class ManagedFunction implements AutoCloseable {
    private final ManagerConfig.FunctionSpec spec;
    private final FunctionPool pool;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong latencyNanos = new AtomicLong();
    private final LongAccumulator maxLatencyNanos = new LongAccumulator(Math::max, 0);

    ManagedFunction(ManagerConfig.FunctionSpec spec, FunctionPool pool) {
        this.spec = spec;
        this.pool = pool;
    }

    String name() {
        return spec.name;
    }

    ManagerConfig.FunctionSpec spec() {
        return spec;
    }

    long maxMessageBytes() {
        return spec.message.length.max.bytes();
    }

    FunctionPool pool() {
        return pool;
    }

    /**
     * One attempt: borrows an instance, calls it with the function's timeout, gives the instance back (or drops it
     * when the runtime crashed, hung or is unreachable). No retry here; rules retry, the gRPC server does not.
     */
    CompletableFuture<FunctionMessage> call(FunctionMessage msg) {
        long t0 = System.nanoTime();
        calls.incrementAndGet();
        long max = spec.message.length.max.bytes();
        if (msg.getPayload().size() > max) {
            // The runtime would refuse it the same way; no point in starting an instance for it.
            errors.incrementAndGet();
            return CompletableFuture.failedFuture(Status.RESOURCE_EXHAUSTED
                    .withDescription("grpc: trying to send message larger than max (" + msg.getPayload().size()
                            + " vs. " + max + ")")
                    .asRuntimeException());
        }
        return pool.acquire().thenCompose(inst -> inst.call(msg, spec.timeout).whenComplete((r, e) -> {
            pool.release(inst, e == null || instanceStillGood(unwrap(e)));
        })).whenComplete((r, e) -> {
            long took = System.nanoTime() - t0;
            latencyNanos.addAndGet(took);
            maxLatencyNanos.accumulate(took);
            if (e != null) {
                errors.incrementAndGet();
            }
        });
    }

    /**
     * Baetyl dropped the instance after any error. A handler that raised leaves a healthy runtime behind, so only
     * transport trouble (crash, hang past the deadline, protocol errors) costs the instance here.
     */
    static boolean instanceStillGood(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return switch (s.getStatus().getCode()) {
                case UNKNOWN, INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, OUT_OF_RANGE,
                        ALREADY_EXISTS, PERMISSION_DENIED, ABORTED -> true;
                default -> false;
            };
        }
        return false;
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Pool sizes and call counters, for the master's inspect. */
    Map<String, Object> stats() {
        FunctionPool.Stats p = pool.stats();
        long n = calls.get();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service", spec.service);
        m.put("instances", p.instances());
        m.put("idle", p.idle());
        m.put("busy", p.busy());
        m.put("starting", p.starting());
        m.put("waiting", p.waiting());
        m.put("instances_started", p.started());
        m.put("instances_stopped", p.stopped());
        m.put("calls", n);
        m.put("errors", errors.get());
        m.put("latency_avg_ms", n == 0 ? 0.0 : Math.round(latencyNanos.get() / (double) n / 1e4) / 100.0);
        m.put("latency_max_ms", Math.round(maxLatencyNanos.get() / 1e4) / 100.0);
        // The sum, so that the master's /metrics can show a summary (count and sum) rather than an average.
        m.put("latency_total_ms", Math.round(latencyNanos.get() / 1e4) / 100.0);
        return m;
    }

    @Override
    public void close() {
        pool.close(Duration.ofSeconds(30));
    }
}
