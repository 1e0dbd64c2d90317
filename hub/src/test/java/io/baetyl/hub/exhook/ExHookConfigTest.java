package io.baetyl.hub.exhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.hub.config.Listener;
import io.baetyl.sdk.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ExHookConfigTest {
    @TempDir
    Path dir;

    private HubConfig load(String yaml) throws Exception {
        Path f = dir.resolve("service.yml");
        Files.writeString(f, "listen: [tcp://127.0.0.1:1883]\n" + yaml);
        return ConfigLoader.load(f, HubConfig.class);
    }

    @Test
    void emqxKeysAndDefaults() throws Exception {
        HubConfig c = load("""
                exhook:
                  servers:
                    - name: a
                      url: http://127.0.0.1:9000
                    - name: b
                      url: https://hooks:9001
                      enable: false
                      request_timeout: 500ms
                      failed_action: ignore
                      auto_reconnect: false
                      pool_size: 2
                """);
        ExHookConfig.Server a = c.exhook.servers.get(0);
        assertThat(a.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(a.deny()).isTrue();
        assertThat(a.reconnect()).isEqualTo(Duration.ofSeconds(60));
        assertThat(a.poolSize).isEqualTo(8);
        assertThat(a.tls()).isFalse();
        ExHookConfig.Server b = c.exhook.servers.get(1);
        assertThat(b.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(b.deny()).isFalse();
        assertThat(b.reconnect()).isNull();
        assertThat(b.tls()).isTrue();
        assertThat(c.exhook.enabled()).containsExactly(a);
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> load("exhook: {servers: [{name: a, url: 'grpc://x:1'}]}"))
                .hasMessageContaining("exhook.servers[0].url");
        assertThatThrownBy(() -> load("exhook: {servers: [{name: a, url: 'http://x:1', failed_action: drop}]}"))
                .hasMessageContaining("exhook.servers[0].failed_action");
        assertThatThrownBy(() -> load("exhook: {servers: [{name: a, url: 'http://x:1', auto_reconnect: soon}]}"))
                .hasMessageContaining("exhook.servers[0].auto_reconnect");
        assertThatThrownBy(() -> load("exhook: {servers: [{name: a, url: 'http://x:1', request_timeout: 0s}]}"))
                .hasMessageContaining("exhook.servers[0].request_timeout");
        assertThatThrownBy(() -> load("exhook: {servers: [{name: a, url: 'http://x:1', pool_size: 0}]}"))
                .hasMessageContaining("exhook.servers[0].pool_size");
        assertThatThrownBy(() -> load("exhook: {servers: [{name: a, url: 'http://x:1'}, {name: a, url: 'http://x:2'}]}"))
                .hasMessageContaining("exhook.servers[1].name");
        assertThatThrownBy(() -> load("exhook: {pipeline: 0, servers: [{name: a, url: 'http://x:1'}]}"))
                .hasMessageContaining("exhook.pipeline");
        assertThatThrownBy(() -> load("exhook: {pipeline: 65, servers: [{name: a, url: 'http://x:1'}]}"))
                .hasMessageContaining("exhook.pipeline");
    }

    @Test
    void proxyProtocolListenerOption() {
        assertThat(Listener.parse("tcp://0.0.0.0:1883?proxy_protocol=true").proxyProtocol()).isTrue();
        assertThat(Listener.parse("ws://0.0.0.0:8080/mqtt?proxy_protocol=true").path()).isEqualTo("/mqtt");
        assertThat(Listener.parse("tcp://0.0.0.0:1883").proxyProtocol()).isFalse();
        assertThatThrownBy(() -> Listener.parse("tcp://0.0.0.0:1883?proxy=yes"))
                .hasMessageContaining("unknown option proxy=yes");
    }
}
