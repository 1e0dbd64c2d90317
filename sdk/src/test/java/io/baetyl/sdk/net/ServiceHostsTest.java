package io.baetyl.sdk.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.baetyl.sdk.testing.TestPki;
import io.baetyl.sdk.tls.PemFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ServiceHostsTest {
    @Test
    void onlyNativeModeWithTheListSetResolvesServiceNames() {
        Map<String, String> env = Map.of("BAETYL_SERVICE_MODE", "native", "BAETYL_APP_SERVICES", "localhub, function-manager,timer");
        ServiceHosts h = ServiceHosts.fromEnv(env);
        assertThat(h.resolve("tcp://localhub:1883")).isEqualTo("tcp://127.0.0.1:1883");
        assertThat(h.resolve("ssl://LocalHub:8883")).isEqualTo("ssl://127.0.0.1:8883");
        assertThat(h.resolve("ws://localhub:8080/mqtt")).isEqualTo("ws://127.0.0.1:8080/mqtt");
        assertThat(h.resolve("tcp://function-manager:50051")).isEqualTo("tcp://127.0.0.1:50051");
        assertThat(h.resolve("tcp://mqtt.example.com:1883")).isEqualTo("tcp://mqtt.example.com:1883");
        assertThat(h.resolve("tcp://127.0.0.1:1883")).isEqualTo("tcp://127.0.0.1:1883");

        assertThat(ServiceHosts.fromEnv(Map.of("BAETYL_SERVICE_MODE", "docker", "BAETYL_APP_SERVICES", "localhub"))
                .resolve("tcp://localhub:1883")).as("docker's network resolves names itself").isEqualTo("tcp://localhub:1883");
        assertThat(ServiceHosts.fromEnv(Map.of("BAETYL_SERVICE_MODE", "native")).resolve("tcp://localhub:1883"))
                .isEqualTo("tcp://localhub:1883");
        assertThat(ServiceHosts.fromEnv(Map.of("OPENEDGE_RUNNING_MODE", "native", "BAETYL_APP_SERVICES", "localhub"))
                .resolve("tcp://localhub:1883")).isEqualTo("tcp://127.0.0.1:1883");
    }

    @Test
    void aCertificateNamesAServiceByItsDnsNameOrElseItsCommonName(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.Leaf withSan = pki.issue("server", TestPki.KeyFormat.PKCS8, "localhub");
        var cert = PemFiles.certificates("cert", withSan.cert())[0];
        assertThat(ServiceHosts.certificateNames(cert, "localhub")).isTrue();
        assertThat(ServiceHosts.certificateNames(cert, "LOCALHUB")).isTrue();
        assertThat(ServiceHosts.certificateNames(cert, "server")).as("the CN does not count when there are DNS names")
                .isFalse();
        assertThat(ServiceHosts.certificateNames(cert, "otherhub")).isFalse();
        assertThat(ServiceHosts.of(List.of("localhub")).isService("localhub")).isTrue();
    }
}
