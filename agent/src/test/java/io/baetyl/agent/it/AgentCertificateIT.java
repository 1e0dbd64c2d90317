package io.baetyl.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.testcloud.TestCloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Certificates that do not fit: the errors the user sees name the keys to fix, and nothing else breaks. */
@Timeout(180)
class AgentCertificateIT {
    @TempDir
    Path tmp;
    TestCloud cloud;
    AgentHome baetyl;
    Path other;

    @BeforeEach
    void setUp() throws Exception {
        cloud = CloudFixture.start(tmp.resolve("cloud"));
        baetyl = new AgentHome(tmp, cloud, "1s");
        other = CloudFixture.certs(tmp.resolve("other-ca"), AgentHome.DEVICE, "dev2");
    }

    @AfterEach
    void tearDown() {
        if (baetyl != null) {
            baetyl.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    private void useDeviceFiles(Path dir) throws Exception {
        for (String f : new String[] {"client.pem", "client.key"}) {
            Files.copy(dir.resolve(f), baetyl.path("var/db/baetyl/agent-cert/" + f), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void aClientCertificateTheCloudDoesNotKnowIsNamedInTheErrorAndTheRestRuns() throws Exception {
        useDeviceFiles(other.resolve("devices").resolve(AgentHome.DEVICE)); // signed by another CA
        baetyl.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> baetyl.agentLog().contains("cannot connect to the cloud"));
        assertThat(baetyl.agentLog())
                .contains("with remote.mqtt.cert=var/db/baetyl/cert/client.pem and remote.mqtt.key=var/db/baetyl/cert/client.key")
                .contains("TLS handshake failed");
        // The cloud refuses its reports too (the serial is not the registered device's), and says why.
        await().atMost(Duration.ofSeconds(30)).until(() -> baetyl.agentLog().contains("is not the serial of device dev1"));
        assertThat(cloud.reports(AgentHome.DEVICE)).isEmpty();
        // The app runs regardless; the agent keeps trying.
        assertThat(baetyl.starts("svc-a")).hasSize(1);
        assertThat(baetyl.master().isAlive()).isTrue();
        assertThat(baetyl.stop()).isZero();
    }

    @Test
    void aKeyThatIsNotTheCertificatesStopsTheAgentWithTheKeyNamed() throws Exception {
        Files.copy(other.resolve("devices/dev2/client.key"), baetyl.path("var/db/baetyl/agent-cert/client.key"),
                StandardCopyOption.REPLACE_EXISTING);
        baetyl.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> baetyl.agentLog().contains("does not belong to the certificate"));
        // the key as configured, the host file it is, what it holds, and the certificate it does not match
        assertThat(baetyl.agentLog()).contains("remote.mqtt.key: var/db/baetyl/cert/client.key (host file "
                + baetyl.path("var/db/baetyl/agent-cert/client.key") + "): the PKCS#1 RSA key does not belong to the "
                + "certificate remote.mqtt.cert");
        assertThat(baetyl.starts("svc-a")).hasSize(1);
        assertThat(baetyl.master().isAlive()).isTrue();
    }

    @Test
    void aCloudWhoseHttpsCertificateIsNotSignedByTheConfiguredCaIsRefused() throws Exception {
        // The agent trusts another CA for HTTPS than the one that signed the cloud's server certificate.
        Files.copy(other.resolve("ca.pem"), baetyl.path("var/db/baetyl/agent-cert/http-ca.pem"));
        Path conf = baetyl.path("var/db/baetyl/agent-conf/service.yml");
        String text = Files.readString(conf);
        String http = "    ca: var/db/baetyl/cert/ca.pem\n    timeout: 20s";
        assertThat(text).contains(http);
        Files.writeString(conf, text.replace(http, "    ca: var/db/baetyl/cert/http-ca.pem\n    timeout: 20s"));
        baetyl.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> baetyl.agentLog().contains("failed to report stats by https"));
        assertThat(baetyl.agentLog()).contains("TLS handshake failed: the server's certificate is not signed by remote.http.ca");
        assertThat(cloud.reports(AgentHome.DEVICE)).isEmpty();
    }
}
