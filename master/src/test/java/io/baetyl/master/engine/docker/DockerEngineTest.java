package io.baetyl.master.engine.docker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What needs no daemon: the errors when there is none, or when the configured API version is malformed. */
class DockerEngineTest {
    @TempDir
    Path tmp;

    @Test
    void anUnreachableDaemonIsAnErrorNamingTheSocket() {
        String host = "unix://" + tmp.resolve("no-docker.sock");
        assertThatThrownBy(() -> new DockerEngine(host, "1.38", tmp, null, Duration.ofSeconds(1)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot reach the docker daemon at " + host)
                .hasMessageContaining("is dockerd running");
    }

    @Test
    void aMalformedApiVersionIsAConfigError() {
        assertThatThrownBy(() -> new DockerEngine("unix:///nonexistent.sock", "latest", tmp, null, Duration.ofSeconds(1)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("docker.api_version: invalid version 'latest'");
    }

    @Test
    void imagesArePulledByRepositoryAndTag() {
        org.assertj.core.api.Assertions.assertThat(DockerAppSetup.repositoryAndTag("baetyl/baetyl-hub")).containsExactly("baetyl/baetyl-hub", "latest");
        org.assertj.core.api.Assertions.assertThat(DockerAppSetup.repositoryAndTag("hub.baidubce.com/baetyl/baetyl-hub:1.0"))
                .containsExactly("hub.baidubce.com/baetyl/baetyl-hub", "1.0");
        org.assertj.core.api.Assertions.assertThat(DockerAppSetup.repositoryAndTag("localhost:5000/hub")).containsExactly("localhost:5000/hub", "latest");
    }

    @Test
    void instancesReachTheApiThroughTheBoundSocketOrTheHostGateway() {
        org.assertj.core.api.Assertions.assertThat(DockerEngine.apiAddressInContainers("unix:///tmp/x/var/run/baetyl.sock"))
                .isEqualTo("unix:///var/run/baetyl.sock");
        org.assertj.core.api.Assertions.assertThat(DockerEngine.apiAddressInContainers("tcp://0.0.0.0:50050"))
                .isEqualTo("tcp://host.docker.internal:50050");
    }
}
