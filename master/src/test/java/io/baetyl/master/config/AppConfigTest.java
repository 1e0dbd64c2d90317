package io.baetyl.master.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ConfigLoader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AppConfigTest {
    /** The native example of the Baetyl docs, trimmed to two services. */
    private static final String V0 = """
            version: v0
            services:
              - name: localhub
                image: baetyl-hub
                replica: 1
                mounts:
                  - name: localhub-conf
                    path: etc/baetyl
                    readonly: true
                  - name: localhub-data
                    path: var/db/baetyl/data
              - name: function-manager
                image: baetyl-function-manager
                replica: 1
                env: {A: b, ON: on}
                args: ['-c', 'x.yml']
                restart:
                  policy: on-failure
                  retry: {max: 3}
                  backoff: {min: 2s, max: 1m, factor: 1.5}
                mounts:
                  - name: function-manager-conf
                    path: /etc/baetyl
            volumes:
              - name: localhub-conf
                path: var/db/baetyl/localhub-conf
              - name: localhub-data
                path: var/db/baetyl/localhub-data
              - name: function-manager-conf
                path: var/db/baetyl/function-manager-conf
            """;

    @Test
    void v0FormatConvertsToComposeWithListOrderAsStartOrder() {
        AppConfig app = AppConfigLoader.parse(V0, "application.yml");
        assertThat(app.appVersion).isEqualTo("v0");
        assertThat(app.startOrder()).containsExactly("localhub", "function-manager");
        ServiceSpec hub = app.services.get("localhub");
        assertThat(hub.image).isEqualTo("baetyl-hub");
        assertThat(hub.volumes).extracting(ServiceVolume::toString)
                .containsExactly("var/db/baetyl/localhub-conf:/etc/baetyl:ro", "var/db/baetyl/localhub-data:/var/db/baetyl/data");
        ServiceSpec fm = app.services.get("function-manager");
        assertThat(fm.dependsOn).containsExactly("localhub");
        assertThat(fm.environment).containsEntry("A", "b").containsEntry("ON", "on");
        assertThat(fm.command).containsExactly("-c", "x.yml");
        assertThat(fm.restart.policy).isEqualTo("on-failure");
        assertThat(fm.restart.retry.max).isEqualTo(3);
        assertThat(fm.restart.backoff.min).isEqualTo(Duration.ofSeconds(2));
        assertThat(fm.restart.backoff.factor).isEqualTo(1.5);
        assertThat(fm.volumes.get(0).target).isEqualTo("/etc/baetyl");
    }

    @Test
    void defaultsMatchBaetyl() {
        AppConfig app = AppConfigLoader.parse("services: {a: {image: x}}", "application.yml");
        ServiceSpec s = app.services.get("a");
        assertThat(s.replica).isZero();
        assertThat(s.restart.policy).isEqualTo("always");
        assertThat(s.restart.retry.max).isZero();
        assertThat(s.restart.backoff.min).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.restart.backoff.max).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.restart.backoff.factor).isEqualTo(2.0);
        MasterConfig m = ConfigLoader.parse("", "conf.yml", MasterConfig.class, MasterConfig::new);
        assertThat(m.mode).isEqualTo("docker");
        assertThat(m.grace).isEqualTo(Duration.ofSeconds(30));
        assertThat(m.server.address).isEqualTo("unix:///var/run/baetyl.sock");
        assertThat(m.server.timeout).isEqualTo(Duration.ofMinutes(5));
        assertThat(m.logger.path).isEqualTo("var/log/baetyl/baetyl.log");
        assertThat(m.otalog.path).isEqualTo("var/db/baetyl/ota.log");
        assertThat(m.docker.apiVersion).isEqualTo("1.38");
    }

    @Test
    void composeFormatAcceptsEveryShapeOfItsFields() {
        AppConfig app = AppConfigLoader.parse("""
                version: '3'
                app_version: v7
                services:
                  hub:
                    image: baetyl-hub
                    replica: 1
                    volumes:
                      - conf:/etc/baetyl:ro
                      - {type: bind, source: data, target: /var/db}
                    environment: [A=1, B=x=y]
                    command: -c etc/baetyl/service.yml
                    networks: [front]
                  fm:
                    image: baetyl-function-manager
                    depends_on: [hub]
                    environment: {C: 3, D: yes}
                    command: [a, b]
                    networks:
                      front: {aliases: [fmx], ipv4_address: 10.0.0.2}
                volumes:
                  conf: {driver: local}
                networks:
                  front: {}
                """, "application.yml");
        assertThat(app.appVersion).isEqualTo("v7");
        ServiceSpec hub = app.services.get("hub");
        assertThat(hub.volumes.get(0).readOnly).isTrue();
        assertThat(hub.volumes.get(1).type).isEqualTo("bind");
        assertThat(hub.environment).containsEntry("A", "1").containsEntry("B", "x=y");
        assertThat(hub.command).containsExactly("-c", "etc/baetyl/service.yml");
        assertThat(hub.networks).containsKey("front");
        ServiceSpec fm = app.services.get("fm");
        assertThat(fm.environment).containsEntry("C", "3").containsEntry("D", "yes");
        assertThat(fm.networks.get("front").aliases).containsExactly("fmx");
        assertThat(app.volumes.get("conf").driver).isEqualTo("local");
        assertThat(app.networks.get("front").driver).isEqualTo("bridge");
    }

    @Test
    void dependsOnDecidesTheStartOrder() {
        AppConfig app = AppConfigLoader.parse("""
                services:
                  c: {image: x, depends_on: [b]}
                  a: {image: x}
                  b: {image: x, depends_on: [a]}
                  d: {image: x}
                """, "application.yml");
        assertThat(app.startOrder()).containsExactly("a", "d", "b", "c");
    }

    @Test
    void cyclesAndMissingDependenciesAreErrors() {
        assertThatThrownBy(() -> AppConfigLoader.parse("""
                services:
                  a: {image: x, depends_on: [b]}
                  b: {image: x, depends_on: [a]}
                  c: {image: x}
                """, "application.yml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("application.yml: depends_on: dependency cycle between services a, b");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: x, depends_on: [ghost]}}", "application.yml"))
                .hasMessage("application.yml: services.a.depends_on: service 'ghost' does not exist");
    }

    @Test
    void badServicesNameTheirKey() {
        assertThatThrownBy(() -> AppConfigLoader.parse("""
                services:
                  - {name: a, image: x}
                  - {name: a, image: y}
                """, "application.yml"))
                .hasMessage("application.yml: services[1].name: duplicate service name 'a'");
        assertThatThrownBy(() -> AppConfigLoader.parse("""
                services:
                  - name: a
                    image: x
                    mounts: [{name: nowhere, path: etc/baetyl}]
                """, "application.yml"))
                .hasMessage("application.yml: services[0].mounts[0].name: volume 'nowhere' of service 'a' is not defined under volumes");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: [{name: -bad, image: x}]", "application.yml"))
                .hasMessageContaining("services[0].name: invalid service name '-bad'");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: [{name: a}]", "application.yml"))
                .hasMessage("application.yml: services[0].image: is required");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: x, restart: {policy: sometimes}}}", "application.yml"))
                .hasMessage("application.yml: services.a.restart.policy: must be always, on-failure or no, got 'sometimes'");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: x, restart: {backoff: {min: 10ms}}}}", "application.yml"))
                .hasMessage("application.yml: services.a.restart.backoff.min: must be at least 1s, got 10ms");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: x, replica: -1}}", "application.yml"))
                .hasMessage("application.yml: services.a.replica: must not be negative, got -1");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: x}}\nservices: {}", "application.yml"))
                .hasMessageContaining("services");
    }

    @Test
    void masterConfigErrorsNameKeyAndValue() {
        assertThatThrownBy(() -> ConfigLoader.parse("mode: k8s", "conf.yml", MasterConfig.class, MasterConfig::new))
                .hasMessage("conf.yml: mode: must be native or docker, got 'k8s'");
        assertThatThrownBy(() -> ConfigLoader.parse("server: {address: http://x}", "conf.yml", MasterConfig.class, MasterConfig::new))
                .hasMessage("conf.yml: server.address: scheme must be unix or tcp, got 'http://x'");
        assertThatThrownBy(() -> ConfigLoader.parse("grace: forever", "conf.yml", MasterConfig.class, MasterConfig::new))
                .hasMessageContaining("conf.yml: grace").hasMessageContaining("forever");
    }

    @Test
    void hostPathsImagesAndTargetsCannotLeaveTheirPlace_andKeysCannotForgeLogLines() {
        assertThatThrownBy(() -> AppConfigLoader.parse("""
                services: [{name: a, image: x, mounts: [{name: v, path: data}]}]
                volumes: [{name: v, path: /etc}]
                """, "application.yml"))
                .hasMessageStartingWith("application.yml: volumes[0].path: '/etc' is an absolute path");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: x, volumes: ['../../x:/data']}}", "app.yml"))
                .hasMessage("app.yml: services.a.volumes[0].source: '../../x' leads outside the working dir");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: ../../bin}}", "app.yml"))
                .hasMessageStartingWith("app.yml: services.a.image: '../../bin' must be an image or package name");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: x, volumes: ['data:/']}}", "app.yml"))
                .hasMessage("app.yml: services.a.volumes[0].target: '/' must name a directory, not the root");
        assertThatThrownBy(() -> AppConfigLoader.parse("services: {a: {image: x, \"b\\nINFO forged\": 1}}", "app.yml"))
                .hasMessage("app.yml: key 'b\\nINFO forged' contains a control character");
        assertThatThrownBy(() -> AppConfigLoader.parse("root:x:0:0:root:/root:/bin/bash\nbin:x:2:2:bin:/bin:/sbin\n",
                "app.yml")).hasMessage("app.yml: not an application config: the document is a single value, not a map "
                + "of keys such as services and volumes");
        // Named volumes are docker's, not paths; image names with registry ports stay valid.
        AppConfigLoader.parse("services: {a: {image: 'localhost:5000/x:1', volumes: ['data:/data']}}\nvolumes: {data: {}}",
                "app.yml");
    }
}
