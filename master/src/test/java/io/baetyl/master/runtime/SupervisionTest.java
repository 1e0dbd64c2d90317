package io.baetyl.master.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.master.config.RestartPolicy;
import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.ServiceDefinition;
import io.baetyl.sdk.Env;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Restart policy, backoff, tokens and instance kinds, against a fake engine and a manual clock. */
@Timeout(10)
class SupervisionTest {
    @TempDir
    Path dir;

    private final FakeEngine engine = new FakeEngine();
    private final ManualTime time = new ManualTime();

    private ServiceRunner runner(String name, int replica, String policy, int retryMax) {
        ServiceSpec spec = new ServiceSpec();
        spec.image = "img-" + name;
        spec.replica = replica;
        spec.restart = new RestartPolicy();
        spec.restart.policy = policy;
        spec.restart.retry.max = retryMax;
        spec.restart.backoff.min = Duration.ofSeconds(1);
        spec.restart.backoff.max = Duration.ofSeconds(60);
        spec.restart.backoff.factor = 2;
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Env.SERVICE_NAME, name);
        env.put(Env.SERVICE_TOKEN, "token-" + name);
        env.put(Env.OE_SERVICE_TOKEN, "token-" + name);
        return new ServiceRunner(new ServiceDefinition(name, spec, Map.of(), env), engine,
                new StatsStore(dir.resolve("application.stats")), time, time, Runnable::run, Duration.ofSeconds(1));
    }

    @Test
    void alwaysRestartsWithGrowingBackoff_andEveryRestartHasTheServiceToken() throws Exception {
        ServiceRunner hub = runner("hub", 2, RestartPolicy.ALWAYS, 0);
        hub.start();
        assertThat(engine.events("start")).containsExactly("hub", "hub.i1");

        engine.instances.get("hub").exit(1);
        assertThat(hub.state("hub")).isEqualTo(InstanceState.RESTARTING);
        assertThat(time.pending()).containsExactly(Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(1));
        assertThat(hub.state("hub")).isEqualTo(InstanceState.RUNNING);

        engine.instances.get("hub").exit(0); // "always" restarts clean exits too
        assertThat(time.pending()).containsExactly(Duration.ofSeconds(2));
        time.advance(Duration.ofSeconds(2));

        assertThat(engine.events("start")).containsExactly("hub", "hub.i1", "hub", "hub");
        assertThat(engine.instances.get("hub").spec.env())
                .containsEntry(Env.SERVICE_TOKEN, "token-hub").containsEntry(Env.SERVICE_INSTANCE_NAME, "hub");
        assertThat(engine.instances.get("hub.i1").spec.env()).containsEntry(Env.SERVICE_TOKEN, "token-hub");
    }

    @Test
    void onFailureGivesUpAfterRetryMax_andForgetsTheInstance() throws Exception {
        ServiceRunner svc = runner("svc", 1, RestartPolicy.ON_FAILURE, 2);
        svc.start();
        for (int i = 0; i < 2; i++) {
            engine.instances.get("svc").exit(3);
            time.advance(Duration.ofMinutes(1));
        }
        engine.instances.get("svc").exit(3);

        assertThat(engine.events("start")).hasSize(3);
        assertThat(svc.hasInstance("svc")).isFalse();
        assertThat(time.pending()).isEmpty();
    }

    @Test
    void onFailureDoesNotRestartACleanExit_noNeverRestarts() throws Exception {
        ServiceRunner a = runner("a", 1, RestartPolicy.ON_FAILURE, 0);
        ServiceRunner b = runner("b", 1, RestartPolicy.NO, 0);
        a.start();
        b.start();
        engine.instances.get("a").exit(0);
        engine.instances.get("b").exit(1);

        assertThat(time.pending()).isEmpty();
        assertThat(a.hasInstance("a")).isFalse();
        assertThat(b.hasInstance("b")).isFalse();
    }

    @Test
    void aRunLongerThanBackoffMax_startsTheRetryCountAndBackoffOver() throws Exception {
        ServiceRunner svc = runner("svc", 1, RestartPolicy.ON_FAILURE, 2);
        svc.start();
        engine.instances.get("svc").exit(1);
        time.advance(Duration.ofSeconds(1));
        engine.instances.get("svc").exit(1);
        assertThat(time.pending()).containsExactly(Duration.ofSeconds(2));
        time.advance(Duration.ofSeconds(2));

        time.advance(Duration.ofMinutes(2)); // healthy for longer than backoff.max (60s)
        engine.instances.get("svc").exit(1);
        assertThat(time.pending()).containsExactly(Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(1));
        engine.instances.get("svc").exit(1);
        time.advance(Duration.ofSeconds(2));

        assertThat(svc.hasInstance("svc")).as("two retries since the reset, within retry.max").isTrue();
        assertThat(engine.events("start")).hasSize(5);
    }

    @Test
    void stopCancelsAPendingRestart() throws Exception {
        ServiceRunner svc = runner("svc", 1, RestartPolicy.ALWAYS, 0);
        svc.start();
        engine.instances.get("svc").exit(1);
        svc.stopInstance("svc");
        time.advance(Duration.ofMinutes(10));

        assertThat(engine.events("start")).containsExactly("svc");
        assertThat(svc.hasInstance("svc")).isFalse();
    }

    @Test
    void aRestartThatFailsIsRetriedWithBackoff() throws Exception {
        ServiceRunner svc = runner("svc", 1, RestartPolicy.ALWAYS, 0);
        svc.start();
        engine.failingImages.add("img-svc");
        engine.instances.get("svc").exit(1);
        time.advance(Duration.ofSeconds(1));
        assertThat(time.pending()).containsExactly(Duration.ofSeconds(2));
        engine.failingImages.clear();
        time.advance(Duration.ofSeconds(2));

        assertThat(engine.events("start-failed")).containsExactly("svc");
        assertThat(svc.state("svc")).isEqualTo(InstanceState.RUNNING);
    }

    @Test
    void dynamicInstancesGetTheRequestEnvAndNoToken_replicaNamesKeepTheirToken() throws Exception {
        ServiceRunner fn = runner("fn", 1, RestartPolicy.ALWAYS, 0);
        fn.start();
        fn.startInstance("fn.sayhi.1", Map.of("ADDR", "127.0.0.1:1", Env.SERVICE_TOKEN, "forged"));
        assertThat(engine.instances.get("fn.sayhi.1").spec.env()).containsEntry("ADDR", "127.0.0.1:1")
                .doesNotContainKeys(Env.SERVICE_TOKEN, Env.OE_SERVICE_TOKEN);

        fn.stopInstance("fn");
        fn.startInstance("fn", Map.of("EXTRA", "1")); // the service restarting its own replica through the API
        assertThat(engine.instances.get("fn").spec.env()).containsEntry(Env.SERVICE_TOKEN, "token-fn")
                .containsEntry("EXTRA", "1");

        assertThat(fn.isReplica("fn")).isTrue();
        assertThat(fn.isReplica("fn.i1")).isFalse(); // replica: 1
        assertThat(fn.isReplica("fn.sayhi.1")).isFalse();
        assertThat(runner("x", 3, RestartPolicy.ALWAYS, 0).isReplica("x.i2")).isTrue();
        assertThat(runner("x", 3, RestartPolicy.ALWAYS, 0).isReplica("x.i02")).isFalse();
        assertThat(runner("x", 0, RestartPolicy.ALWAYS, 0).isReplica("x")).isFalse();
    }

    @Test
    void aFirstStartThatFailsStopsTheReplicasAlreadyStarted() {
        ServiceRunner svc = runner("svc", 3, RestartPolicy.ALWAYS, 0);
        engine.failingImages.add("img-svc");
        assertThatThrownBy(svc::start).isInstanceOf(EngineException.class).hasMessageContaining("not found");
        assertThat(svc.hasInstance("svc")).isFalse();
        assertThat(engine.events("teardown")).containsExactly("svc");
    }

    @Test
    void inspectShowsStatusAndLiveStats_reportsCannotOverrideTheMastersKeys() throws Exception {
        StatsStore stats = new StatsStore(dir.resolve("s"));
        ServiceSpec spec = new ServiceSpec();
        spec.image = "img";
        spec.replica = 1;
        ServiceRunner svc = new ServiceRunner(new ServiceDefinition("svc", spec, Map.of(), Map.of()), engine, stats,
                time, time, Runnable::run, Duration.ofSeconds(1));
        svc.start();
        stats.report("svc", "svc", Map.of("broker_stats", Map.of("n", 1)));

        List<Map<String, Object>> shown = svc.instanceStats();
        assertThat(shown).hasSize(1);
        assertThat(shown.get(0)).containsEntry("name", "svc").containsEntry("status", "running")
                .containsEntry("start_time", "2024-01-01T00:00:00Z").containsEntry("broker_stats", Map.of("n", 1))
                .containsKey("mem_stats");
        assertThatThrownBy(() -> stats.report("svc", "svc", Map.of("status", "hacked")))
                .hasMessage("report: key 'status' is set by the master and cannot be reported");
    }
}
