package io.baetyl.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HubConfigTest {
    private static HubConfig parse(String yaml) {
        return ServiceConfigLoader.parse(yaml, "service.yml", HubConfig.class, HubConfig::new);
    }

    @Test
    void defaultsMatchBaetyl() {
        HubConfig c = parse("""
                listen:
                  - tcp://0.0.0.0:1883
                principals:
                  - username: test
                    password: hahaha
                    permissions:
                      - action: 'pub'
                        permit: ['#']
                      - action: 'sub'
                        permit: ['#']
                logger:
                  path: var/log/baetyl/service.log
                  level: "debug"
                """);
        assertThat(c.storage.dir).isEqualTo("var/db/baetyl/data");
        assertThat(c.storage.fsync).isFalse();
        assertThat(c.message.length.max.bytes()).isEqualTo(32768);
        assertThat(c.message.ingress.qos0.buffer.size).isEqualTo(10000);
        assertThat(c.message.ingress.qos1.buffer.size).isEqualTo(100);
        assertThat(c.message.ingress.qos1.batch.max).isEqualTo(50);
        assertThat(c.message.ingress.qos1.cleanup.retention).isEqualTo(Duration.ofHours(48));
        assertThat(c.message.ingress.qos1.cleanup.interval).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.message.egress.qos0.buffer.size).isEqualTo(10000);
        assertThat(c.message.egress.qos1.buffer.size).isEqualTo(100);
        assertThat(c.message.egress.qos1.batch.max).isEqualTo(50);
        assertThat(c.message.egress.qos1.retry.interval).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.message.offset.buffer.size).isEqualTo(10000);
        assertThat(c.message.offset.batch.max).isEqualTo(100);
        assertThat(c.metrics.report.interval).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.shutdown.timeout).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.principals.get(0).permissions.get(0).permits).containsExactly("#");
        assertThat(c.logger.level).isEqualTo("debug");
    }

    @Test
    void nestedKeysAndSizes() {
        HubConfig c = parse("""
                listen: [tcp://:1883, ws://:8080/mqtt]
                message:
                  length:
                    max: 255m
                  egress:
                    qos1:
                      retry:
                        interval: 1s
                subscriptions:
                  - source:
                      topic: abc
                      qos: 0
                    target:
                      topic: x/abc
                      qos: 1
                """);
        assertThat(c.message.length.max.bytes()).isEqualTo(255L * 1024 * 1024);
        assertThat(c.message.egress.qos1.retry.interval).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.subscriptions.get(0).target.topic).isEqualTo("x/abc");
        assertThat(c.subscriptions.get(0).target.qos).isEqualTo(1);
        assertThat(Listener.parse("ws://:8080/mqtt")).isEqualTo(
                new Listener("ws://:8080/mqtt", "ws", "0.0.0.0", 8080, "/mqtt"));
    }

    @Test
    void rejectsBadValues() {
        assertThatThrownBy(() -> parse("message: {length: {max: 300m}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("message.length.max");
        assertThatThrownBy(() -> parse("message: {egress: {qos1: {buffer: {size: 70000}}}}"))
                .hasMessageContaining("message.egress.qos1.buffer.size: greater than max");
        assertThatThrownBy(() -> parse("message: {egress: {qos1: {batch: {max: 0}}}}"))
                .hasMessageContaining("message.egress.qos1.batch.max: less than min");
        assertThatThrownBy(() -> parse("listen: [ssl://:1884]"))
                .hasMessageContaining("certificate");
        assertThatThrownBy(() -> parse("listen: [tcp://:1883, tcp://:1883]"))
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> parse("listen: [udp://:1883]"))
                .hasMessageContaining("unsupported scheme");
        assertThatThrownBy(() -> parse("listen: [tcp://:1883]\nconnect: {keepalive: {max: 70000s}}"))
                .hasMessageContaining("connect.keepalive.max: must be between 0s (off) and 65535s");
    }

    @Test
    void serverKeepAliveIsOffByDefaultAndRead() {
        assertThat(parse("listen: [tcp://:1883]").connect.keepalive.max).isEqualTo(java.time.Duration.ZERO);
        assertThat(parse("listen: [tcp://:1883]\nconnect: {keepalive: {max: 2m}}").connect.keepalive.max)
                .isEqualTo(java.time.Duration.ofMinutes(2));
    }

    @Test
    void budgetKeysAreReadAndUnsetOnesStayUnsetForTheHeapDerivedDefaults() {
        HubConfig c = parse("""
                listen: [tcp://:1883]
                connect:
                  timeout: 3s
                storage:
                  size:
                    max: 2g
                  count:
                    max: 100000
                message:
                  retained:
                    size: {max: 64m}
                    count: {max: 5000}
                  ingress:
                    qos1:
                      cache: {size: {max: 8m}, count: {max: 4096}}
                  egress:
                    qos0:
                      buffer: {size: 500}
                      session: {size: {max: 1m}}
                      total: {size: {max: 32m}}
                """);
        assertThat(c.connect.timeout).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.storage.size.max.bytes()).isEqualTo(2L << 30);
        assertThat(c.storage.count.max).isEqualTo(100000);
        assertThat(c.message.retained.size.max.bytes()).isEqualTo(64L << 20);
        assertThat(c.message.retained.count.max).isEqualTo(5000);
        assertThat(c.message.ingress.qos1.cache.size.max.bytes()).isEqualTo(8L << 20);
        assertThat(c.message.ingress.qos1.cache.count.max).isEqualTo(4096);
        assertThat(c.message.egress.qos0.buffer.size).isEqualTo(500);
        assertThat(c.message.egress.qos0.session.size.max.bytes()).isEqualTo(1L << 20);
        assertThat(c.message.egress.qos0.total.size.max.bytes()).isEqualTo(32L << 20);
        HubConfig d = parse("listen: [tcp://:1883]");
        assertThat(d.connect.timeout).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.storage.size.max).isNull();
        assertThat(d.message.retained.count.max).isNull();
        assertThat(d.message.egress.qos0.total.size.max).isNull();
        assertThatThrownBy(() -> parse("listen: [tcp://:1883]\n" + "storage: {size: {max: 1k}}"))
                .hasMessageContaining("storage.size.max: less than min (65536 bytes)");
        assertThatThrownBy(() -> parse("listen: [tcp://:1883]\n" + "connect: {timeout: 0s}")).hasMessageContaining("connect.timeout: must be positive");
        assertThatThrownBy(() -> parse("listen: [tcp://:1883]\n" + "message: {retained: {count: {max: -1}}}"))
                .hasMessageContaining("message.retained.count.max: less than min");
        assertThatThrownBy(() -> parse("listen: [tcp://:1883]\n" + "message: {egress: {qos0: {session: {size: {max: 0}}}}}"))
                .hasMessageContaining("message.egress.qos0.session.size.max");
    }

    @Test
    void aHubWithoutListenerIsAnError() {
        String error = "service.yml: listen: no listener, the hub would accept no client (add for example "
                + "listen: [tcp://0.0.0.0:1883])";
        assertThatThrownBy(() -> parse("")).isInstanceOf(ConfigException.class).hasMessage(error);
        assertThatThrownBy(() -> parse("listen: []")).hasMessage(error);
        // a misspelled key: the unknown key is warned about and the hub does not start with zero listeners
        assertThatThrownBy(() -> parse("listens: [tcp://0.0.0.0:1883]")).hasMessage(error);
    }

    @Test
    void principalsErrorsUseTheOriginalMessages() {
        assertThatThrownBy(() -> parse("""
                principals:
                  - {username: test, password: a}
                  - {username: test, password: b}
                """)).hasMessage("service.yml: principals: username (test) duplicate");
        assertThatThrownBy(() -> parse("""
                principals:
                  - username: hello
                    password: x
                    permissions: [{action: pub, permit: ['test/a+/b', benchmark]}]
                """)).hasMessage("service.yml: principals: pub topic(test/a+/b) invalid");
        assertThatThrownBy(() -> parse("""
                principals:
                  - username: hello
                    password: x
                    permissions: [{action: sub, permit: ['test', 'test/#/temp']}]
                """)).hasMessage("service.yml: principals: sub topic(test/#/temp) invalid");
    }

    private static List<HubConfig.Subscription> subs(String... pairs) {
        List<HubConfig.Subscription> out = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            HubConfig.Subscription s = new HubConfig.Subscription();
            s.source = new HubConfig.Endpoint(pairs[i], 0);
            s.target = new HubConfig.Endpoint(pairs[i + 1], 0);
            out.add(s);
        }
        return out;
    }

    private static void valid(String... pairs) {
        PrincipalAndRouteChecks.validateSubscriptions(subs(pairs));
    }

    private static void invalid(String message, String... pairs) {
        assertThatThrownBy(() -> PrincipalAndRouteChecks.validateSubscriptions(subs(pairs)))
                .hasMessage("subscriptions: " + message);
    }

    @Test
    void subscriptionsValidation() {
        valid("test/#", "remote/iothub/test", "test", "point", "remote/awshub/aws_test", "demo",
                "remote/azurehub/azure_test", "point");
        invalid("[{Topic:test/#/a QOS:0}] source topic invalid", "test/#/a", "test");
        invalid("[{Topic:test/+ QOS:0}] target topic invalid", "test1", "test/+");
        invalid("duplicate source and target config", "test1", "test2", "test1", "test2");
        invalid("duplicate source and target config", "test/#", "point", "test/#", "point");
        valid("test/+/+/from", "point", "test/a/b/#", "point");
        valid("test/a", "test/b", "test/b", "test/c", "test/a", "test/c");
        String cycle = "found cycle in source and target config";
        invalid(cycle, "test", "test");
        invalid(cycle, "+", "test");
        invalid(cycle, "#", "test");
        invalid(cycle, "#", "remote/iothub/test");
        invalid(cycle, "point", "test", "test", "test", "test", "sayhi", "bmi", "bmo");
        invalid(cycle, "point", "test", "test/#", "test", "test", "sayhi", "bmi", "bmo");
        invalid(cycle, "point", "test", "sayhi", "point", "test", "sayhi", "bmi", "bmo");
        invalid(cycle, "test", "point", "test/from/#", "remote/iothub/test", "remote/iothub/test", "point",
                "point", "test/from");
    }
}
