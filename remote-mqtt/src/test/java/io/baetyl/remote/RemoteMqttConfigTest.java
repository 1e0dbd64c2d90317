package io.baetyl.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ServiceConfigLoader;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RemoteMqttConfigTest {
    private static RemoteMqttConfig parse(String yaml) {
        return ServiceConfigLoader.parse(yaml, "service.yml", RemoteMqttConfig.class, RemoteMqttConfig::new);
    }

    private static final String HUB = "hub: {address: 'tcp://127.0.0.1:1883', username: test, password: hahaha}\n";

    @Test
    void theTutorialConfigLoads() {
        RemoteMqttConfig c = parse("""
                name: remote-iothub
                hub:
                  address: tcp://localhub:1883
                  username: test
                  password: hahaha
                remotes:
                  - name: iothub
                    address: 'ssl://xxxxxx.mqtt.iot.gz.baidubce.com:1884'
                    clientid: remote-iothub-1
                    username: 'xxxxxx/test'
                    ca: var/db/baetyl/cert/ca.pem
                    cert: var/db/baetyl/cert/client.pem
                    key: var/db/baetyl/cert/client.key
                rules:
                  - hub:
                      subscriptions:
                        - topic: t1
                    remote:
                      name: iothub
                      subscriptions:
                        - topic: t2
                          qos: 1
                logger:
                  path: var/log/baetyl/remote-service.log
                  level: 'debug'
                """);
        RemoteMqttConfig.Rule rule = c.rules.get(0);
        assertThat(c.remoteClientId(rule)).isEqualTo("remote-iothub-1");
        assertThat(c.hubClientId(rule)).isEqualTo("remote-iothub-1");
        assertThat(c.hubClient(rule).subscriptions).extracting(s -> s.topic + ":" + s.qos).containsExactly("t1:0");
        assertThat(c.hubClient(rule).username).isEqualTo("test");
        assertThat(c.remoteClient(rule).subscriptions).extracting(s -> s.topic + ":" + s.qos).containsExactly("t2:1");
        assertThat(c.remoteClient(rule).cert).isEqualTo("var/db/baetyl/cert/client.pem");
        // the MQTT client defaults of Baetyl
        assertThat(c.remoteClient(rule).cleansession).isFalse();
        assertThat(c.remoteClient(rule).keepalive).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.remoteClient(rule).interval).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.remoteClient(rule).buffersize).isEqualTo(10);
        assertThat(c.report.interval).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void clientIdsFollowTheOriginalsPrecedence() {
        RemoteMqttConfig c = parse(HUB + """
                remotes:
                  - {name: with-id, address: 'tcp://127.0.0.1:1', clientid: remote-id}
                  - {name: without-id, address: 'tcp://127.0.0.1:2'}
                rules:
                  - {hub: {clientid: hub-id}, remote: {name: with-id, clientid: rule-id}}
                  - {remote: {name: with-id}}
                  - {remote: {name: without-id}}
                  - {hub: {clientid: other-hub-id}, remote: {name: without-id, clientid: rule-remote-id}}
                """);
        // remote: rules[].remote.clientid > remotes[].clientid > rules[].remote.name
        assertThat(c.rules).extracting(c::remoteClientId).containsExactly("rule-id", "remote-id", "without-id", "rule-remote-id");
        // hub: rules[].hub.clientid > the remote client id
        assertThat(c.rules).extracting(c::hubClientId).containsExactly("hub-id", "remote-id", "without-id", "other-hub-id");
    }

    @Test
    void errorsNameTheirKey() {
        String remotes = "remotes: [{name: cloud, address: 'tcp://127.0.0.1:1'}]\n";
        assertThatThrownBy(() -> parse(HUB + remotes + "rules: [{remote: {name: nope}}]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("service.yml: rules[0].remote.name: remote 'nope' not found (remotes: cloud)");
        assertThatThrownBy(() -> parse(HUB + remotes + "rules: [{hub: {subscriptions: [{topic: t}]}}]\n"))
                .hasMessageContaining("rules[0].remote.name: is required");
        assertThatThrownBy(() -> parse(HUB + "remotes: [{address: 'tcp://127.0.0.1:1'}]\n"))
                .hasMessageContaining("remotes[0].name: is required");
        assertThatThrownBy(() -> parse(HUB + "remotes: [{name: a, address: 'tcp://x:1'}, {name: a, address: 'tcp://x:2'}]\n"))
                .hasMessageContaining("remotes[1].name: 'a' is already the name of remotes[0]");
        assertThatThrownBy(() -> parse(HUB + "remotes: [{name: a, address: 'http://x'}]\n"))
                .hasMessageContaining("remotes[0].address: scheme must be tcp, ssl, ws or wss");
        assertThatThrownBy(() -> parse(HUB + "remotes: [{name: a, address: 'ssl://x:1', cert: c.pem}]\n"))
                .hasMessageContaining("remotes[0]: cert and key must be given together");
        assertThatThrownBy(() -> parse(HUB + remotes + "rules: [{remote: {name: cloud, subscriptions: [{topic: t, qos: 2}]}}]\n"))
                .hasMessageContaining("rules[0].remote.subscriptions[0].qos: must be 0 or 1, got 2");
        assertThatThrownBy(() -> parse(HUB + remotes + "rules: [{hub: {subscriptions: [{qos: 1}]}, remote: {name: cloud}}]\n"))
                .hasMessageContaining("rules[0].hub.subscriptions[0].topic: is required");
        assertThatThrownBy(() -> parse(remotes)).hasMessageContaining("hub.address: is required");
        assertThatThrownBy(() -> parse(HUB + remotes + "rules: [{remote: {name: cloud}}, {remote: {name: cloud}}]\n"))
                .hasMessageContaining("rules[1].hub.clientid: the hub client id 'cloud' is also used by rules[0]");
        assertThatThrownBy(() -> parse(HUB + remotes
                + "rules: [{remote: {name: cloud}}, {hub: {clientid: h2}, remote: {name: cloud}}]\n"))
                .hasMessageContaining("rules[1].remote.clientid: the client id 'cloud' on remote 'cloud' is also used by rules[0]");
    }
}
