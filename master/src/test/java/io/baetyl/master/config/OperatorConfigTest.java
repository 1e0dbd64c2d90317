package io.baetyl.master.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.master.security.PasswordHash;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ConfigLoader;
import org.junit.jupiter.api.Test;

/** conf.yml's console and metrics keys: defaults, and errors naming the key. */
class OperatorConfigTest {
    static MasterConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "conf.yml", MasterConfig.class, MasterConfig::new);
    }

    @Test
    void bothAreOffByDefaultAndListenOnLoopbackWhenTurnedOn() {
        MasterConfig m = parse("");
        assertThat(m.console.enabled).isFalse();
        assertThat(m.metrics.enabled).isFalse();
        assertThat(WebAddress.parse("console.address", m.console.address).loopback()).isTrue();
        assertThat(WebAddress.parse("metrics.address", m.metrics.address).loopback()).isTrue();
        assertThat(m.console.session.timeout).hasMinutes(30);
        assertThat(parse("console: {enabled: true}\nmetrics: {enabled: true}").console.users).isEmpty();
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> parse("metrics: {address: 'http://x'}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("metrics.address: must be tcp://host:port, got 'http://x'");
        assertThatThrownBy(() -> parse("console: {address: 'tcp://127.0.0.1'}"))
                .hasMessageContaining("console.address: must be tcp://host:port");
        assertThatThrownBy(() -> parse("console: {users: [{username: admin, password: hunter2}]}"))
                .hasMessageContaining("console.users[0].password: must be a hash of the form")
                .hasMessageNotContaining("hunter2");
        String h = PasswordHash.create("x", PasswordHash.MIN_ITERATIONS);
        assertThatThrownBy(() -> parse("console: {users: [{username: a, password: '" + h + "'}, {username: a, password: '"
                + h + "'}]}")).hasMessageContaining("console.users[1].username: 'a' is listed twice");
        assertThatThrownBy(() -> parse("console: {users: [{username: a, password: '" + h + "', restart: ['../x']}]}"))
                .hasMessageContaining("console.users[0].restart[0]: must be a service name or '*'");
        assertThatThrownBy(() -> parse("console: {cert: a.pem}")).hasMessageContaining("console.cert and console.key");
        assertThatThrownBy(() -> parse("console: {enabled: true, address: 'tcp://127.0.0.1:9000'}\n"
                + "metrics: {enabled: true, address: 'tcp://127.0.0.1:9000'}"))
                .hasMessageContaining("metrics.address: must differ from console.address");
    }
}
