package io.baetyl.function.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import baetyl.FunctionOuterClass.FunctionMessage;
import com.google.protobuf.ByteString;
import io.baetyl.sdk.config.ByteSize;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FunctionPoolTest {
    private final ExecutorService blocking = Executors.newCachedThreadPool();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final FakeFactory factory = new FakeFactory("svc", "fn");
    private final List<ManagedFunction> functions = new ArrayList<>();

    @AfterEach
    void tearDown() {
        functions.forEach(ManagedFunction::close);
        factory.stopAll();
        blocking.shutdownNow();
        scheduler.shutdownNow();
    }

    private ManagedFunction function(int min, int max, Duration idle, Duration evict) {
        return function(min, max, idle, evict, Duration.ofSeconds(2));
    }

    private ManagedFunction function(int min, int max, Duration idle, Duration evict, Duration callTimeout) {
        ManagerConfig.FunctionSpec spec = new ManagerConfig.FunctionSpec();
        spec.name = "fn";
        spec.service = "svc";
        spec.instance.min = min;
        spec.instance.max = max;
        spec.instance.idletime = idle;
        spec.instance.evicttime = evict;
        spec.timeout = callTimeout;
        FunctionPool pool = new FunctionPool(spec.name, spec.instance, factory, blocking, scheduler);
        ManagedFunction f = new ManagedFunction(spec, pool);
        functions.add(f);
        return f;
    }

    private static FunctionMessage msg(String payload) {
        return FunctionMessage.newBuilder().setPayload(ByteString.copyFromUtf8(payload)).setFunctionName("fn").build();
    }

    @Test
    void callColdStartStartsInstanceOneAndReusesIt() throws Exception {
        ManagedFunction f = function(0, 1, Duration.ofMinutes(10), Duration.ofMinutes(1));
        assertThat(factory.startedNames).isEmpty();
        assertThat(f.call(msg("a")).get(5, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("svc.fn.1:a");
        assertThat(f.call(msg("b")).get(5, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("svc.fn.1:b");
        assertThat(factory.startedNames).containsExactly("svc.fn.1");
    }

    @Test
    void minKeepsInstancesWarmAtStart() {
        ManagedFunction f = function(2, 5, Duration.ofMinutes(10), Duration.ofMinutes(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> f.pool().stats().idle() == 2);
        assertThat(factory.startedNames).containsExactlyInAnyOrder("svc.fn.1", "svc.fn.2");
    }

    @Test
    void maxConcurrentCallersScaleUpToMaxAndNeverBeyond() throws Exception {
        int max = 5;
        ManagedFunction f = function(0, max, Duration.ofMinutes(10), Duration.ofMinutes(1));
        List<CompletableFuture<FunctionMessage>> calls = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            calls.add(f.call(msg("sleep:300")));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(factory.maxConcurrent.get()).isEqualTo(max);
        assertThat(factory.startedNames).hasSize(max);
        assertThat(f.pool().stats().instances()).isEqualTo(max);
    }

    @Test
    void manyMoreCallersThanMaxAllServedWithoutStall() throws Exception {
        // The original's pool stalled under concurrency (PR #411): 40x max callers, some failing, all must finish.
        int max = 4;
        // The call timeout is not what is tested here: on a loaded machine the first call on a new gRPC channel
        // alone can take seconds. A stall shows as a call that never completes (the get below times out).
        ManagedFunction f = function(0, max, Duration.ofMinutes(10), Duration.ofMinutes(1), Duration.ofSeconds(30));
        List<CompletableFuture<FunctionMessage>> calls = new ArrayList<>();
        for (int i = 0; i < 160; i++) {
            calls.add(f.call(msg(i % 10 == 0 ? "fail:x" : "sleep:5")));
        }
        int ok = 0;
        List<String> errors = new ArrayList<>();
        for (CompletableFuture<FunctionMessage> c : calls) {
            try {
                c.get(40, TimeUnit.SECONDS);
                ok++;
            } catch (ExecutionException e) {
                errors.add(String.valueOf(e.getCause()));
            }
        }
        assertThat(ok).as("calls that failed: %s", errors).isEqualTo(144);
        assertThat(errors).hasSize(16).allMatch(e -> e.contains("Exception calling application: x"));
        assertThat(factory.maxConcurrent.get()).isLessThanOrEqualTo(max);
        // A handler error leaves the runtime healthy: no instance was replaced.
        assertThat(factory.startedNames).hasSizeLessThanOrEqualTo(max);
        assertThat(f.pool().stats().waiting()).isZero();
    }

    @Test
    void idleEvictionStopsIdleInstancesDownToMinAndNumbersAreRecycled() throws Exception {
        ManagedFunction f = function(1, 3, Duration.ofMillis(300), Duration.ofMillis(100));
        List<CompletableFuture<FunctionMessage>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calls.add(f.call(msg("sleep:200")));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(f.pool().stats().instances()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(60)).until(() -> f.pool().stats().instances() == 1
                && f.pool().stats().numbers().size() == 1);
        assertThat(factory.stoppedNames).hasSize(2);
        // Scale up again: the freed numbers come back, no new names.
        calls.clear();
        for (int i = 0; i < 3; i++) {
            calls.add(f.call(msg("sleep:200")));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(factory.startedNames).allMatch(n -> n.matches("svc\\.fn\\.[123]"));
        assertThat(f.pool().stats().numbers()).containsExactly(1, 2, 3);
    }

    @Test
    void crashMidCallDropsInstanceNextCallGetsAFreshOne() throws Exception {
        ManagedFunction f = function(0, 1, Duration.ofMinutes(10), Duration.ofMinutes(1));
        assertThatThrownBy(() -> f.call(msg("crash")).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(StatusRuntimeException.class);
        assertThat(f.call(msg("after")).get(5, TimeUnit.SECONDS).getPayload().toStringUtf8()).endsWith(":after");
        assertThat(factory.stoppedNames).containsExactly("svc.fn.1");
        assertThat(factory.startedNames).hasSize(2);
    }

    @Test
    void hangPastTimeoutFailsWithDeadlineAndInstanceIsReplaced() throws Exception {
        ManagedFunction f = function(0, 1, Duration.ofMinutes(10), Duration.ofMinutes(1));
        // The handler would run for 30 s; the call must end at the function's 2 s deadline instead. The upper
        // bound is the handler's own duration, not a guess at scheduling delay, so a loaded machine cannot fail it.
        Duration handler = Duration.ofSeconds(30);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> f.call(msg("sleep:" + handler.toMillis())).get(handler.toSeconds(), TimeUnit.SECONDS))
                .satisfies(e -> assertThat(GoErrors.message(e))
                        .isEqualTo("rpc error: code = DeadlineExceeded desc = context deadline exceeded"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
                .isGreaterThanOrEqualTo(f.spec().timeout).isLessThan(handler);
        assertThat(f.call(msg("next")).get(5, TimeUnit.SECONDS).getPayload().toStringUtf8()).endsWith(":next");
    }

    @Test
    void startFailureFailsTheCallThenRecovers() throws Exception {
        ManagedFunction f = function(0, 2, Duration.ofMinutes(10), Duration.ofMinutes(1));
        factory.failStarts = true;
        assertThatThrownBy(() -> f.call(msg("x")).get(5, TimeUnit.SECONDS))
                .hasMessageContaining("failed to start instance (svc.fn.1): boom");
        assertThat(f.pool().stats().instances()).isZero();
        assertThat(f.pool().stats().numbers()).isEmpty();
        factory.failStarts = false;
        assertThat(f.call(msg("y")).get(5, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("svc.fn.1:y");
    }

    @Test
    void oversizedMessageFailsWithoutStartingAnInstance() {
        ManagedFunction f = function(0, 1, Duration.ofMinutes(10), Duration.ofMinutes(1));
        f.spec().message.length.max = ByteSize.ofBytes(10);
        assertThatThrownBy(() -> f.call(msg("01234567890")).get(5, TimeUnit.SECONDS))
                .satisfies(e -> assertThat(GoErrors.message(e)).startsWith("rpc error: code = ResourceExhausted"));
        assertThat(factory.startedNames).isEmpty();
    }

    @Test
    void closeStopsEveryInstanceAndFailsWaiters() throws Exception {
        ManagedFunction f = function(2, 2, Duration.ofMinutes(10), Duration.ofMinutes(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> f.pool().stats().idle() == 2);
        f.close();
        assertThat(factory.stoppedNames).containsExactlyInAnyOrder("svc.fn.1", "svc.fn.2");
        assertThatThrownBy(() -> f.call(msg("x")).get(5, TimeUnit.SECONDS)).hasMessageContaining("closed");
    }
}
