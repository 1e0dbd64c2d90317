package io.baetyl.function.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManagerConfigTest {
    /** The docs' function-manager-conf (chapter 9), verbatim. */
    static final String DOCS = """
            hub:
              address: tcp://localhub:1883
              username: test
              password: hahaha
            rules:
              - clientid: func-python27-sayhi-1
                subscribe:
                  topic: t
                function:
                  name: python27-sayhi
                publish:
                  topic: t/py2hi
              - clientid: func-sql-filter-1
                subscribe:
                  topic: t
                  qos: 1
                function:
                  name: sql-filter
                publish:
                  topic: t/sqlfilter
                  qos: 1
              - clientid: func-python36-sayhi-1
                subscribe:
                  topic: t
                function:
                  name: python36-sayhi
                publish:
                  topic: t/py3hi
              - clientid: func-node85-sayhi-1
                subscribe:
                  topic: t
                function:
                  name: node85-sayhi
                publish:
                  topic: t/node8hi
            functions:
              - name: python27-sayhi
                service: function-python27-sayhi
                instance:
                  min: 0
                  max: 10
              - name: sql-filter
                service: function-sql-filter
              - name: python36-sayhi
                service: function-python36-sayhi
              - name: node85-sayhi
                service: function-node85-sayhi
            logger:
              path: var/log/baetyl/service.log
              level: "debug"
            """;

    private static ManagerConfig parse(String yaml) {
        return ServiceConfigLoader.parse(yaml, "service.yml", ManagerConfig.class, ManagerConfig::new);
    }

    @Test
    void docsConfigLoadsWithBaetylDefaults() {
        ManagerConfig c = parse(DOCS);
        assertThat(c.rules).hasSize(4);
        ManagerConfig.Rule r = c.rules.get(0);
        assertThat(r.subscribe.qos).isZero();
        assertThat(r.publish.qos).isZero();
        assertThat(r.retry.max).isEqualTo(3);
        assertThat(c.rules.get(1).publish.qos).isEqualTo(1);
        ManagerConfig.FunctionSpec f = c.functionsByName().get("sql-filter");
        assertThat(f.instance.min).isZero();
        assertThat(f.instance.max).isEqualTo(1);
        assertThat(f.instance.idletime).isEqualTo(Duration.ofMinutes(10));
        assertThat(f.instance.evicttime).isEqualTo(Duration.ofMinutes(1));
        assertThat(f.message.length.max.bytes()).isEqualTo(4 << 20);
        assertThat(f.backoff.max).isEqualTo(Duration.ofMinutes(1));
        assertThat(f.timeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.functionsByName().get("python27-sayhi").instance.max).isEqualTo(10);
        assertThat(c.server.address).isEmpty();
        assertThat(c.server.timeout).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.server.message.length.max.bytes()).isEqualTo(4 << 20);
        assertThat(c.hub.keepalive).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void ruleNamingUnknownFunctionIsStartupErrorNamingIt() {
        String yaml = DOCS.replace("name: node85-sayhi\n    publish", "name: node85-nope\n    publish");
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("rules[3].function.name: function (node85-nope) not found");
    }

    @Test
    void validationNamesTheKey() {
        assertThatThrownBy(() -> parse(DOCS.replace("max: 10", "max: 101")))
                .hasMessageContaining("functions[0].instance.max: must be between 1 and 100, got 101");
        assertThatThrownBy(() -> parse(DOCS.replace("min: 0", "min: 11")))
                .hasMessageContaining("functions[0].instance.min");
        assertThatThrownBy(() -> parse(DOCS.replace("qos: 1\n    function:\n      name: sql-filter",
                "qos: 2\n    function:\n      name: sql-filter")))
                .hasMessageContaining("rules[1].subscribe.qos: must be between 0 and 1, got 2");
        assertThatThrownBy(() -> parse(DOCS.replace("topic: t/py2hi", "topic: ''")))
                .hasMessageContaining("rules[0].publish.topic: is required");
        assertThatThrownBy(() -> parse(DOCS.replace("service: function-sql-filter", "service: ''")))
                .hasMessageContaining("functions[1].service: is required");
        assertThatThrownBy(() -> parse(DOCS.replace("- name: sql-filter\n    service", "- name: node85-sayhi\n    service")))
                .hasMessageContaining("duplicate function name 'node85-sayhi'");
        assertThatThrownBy(() -> parse(DOCS.replace("address: tcp://localhub:1883", "address: ''")))
                .hasMessageContaining("hub.address: is required");
    }

    @Test
    void goDurationsAndSizes() {
        ManagerConfig c = parse(DOCS.replace("max: 10\n", "max: 10\n      idletime: 1m30s\n      evicttime: 500ms\n"
                + "    message:\n      length:\n        max: 32k\n    timeout: 2s\n"));
        ManagerConfig.FunctionSpec f = c.functions.get(0);
        assertThat(f.instance.idletime).isEqualTo(Duration.ofSeconds(90));
        assertThat(f.instance.evicttime).isEqualTo(Duration.ofMillis(500));
        assertThat(f.message.length.max.bytes()).isEqualTo(32 * 1024);
        assertThat(f.timeout).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void ruleWithoutClientIdGetsStableDistinctIds() {
        ManagerConfig c = parse(DOCS.replace("clientid: func-python27-sayhi-1\n    subscribe", "subscribe").replace(
                "clientid: func-sql-filter-1\n    subscribe", "subscribe"));
        assertThat(c.clientIdOf(0)).isEqualTo("function-manager-rule-1");
        assertThat(c.clientIdOf(1)).isEqualTo("function-manager-rule-2");
    }
}
