package io.baetyl.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.testcloud.TestCloud;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The report's encryption against the test cloud's own decryption (two independent implementations). */
@Timeout(60)
class DeviceIdentityTest {
    @TempDir
    static Path certs;

    @BeforeAll
    static void makeCerts() throws Exception {
        TestCerts.make(certs, "dev1", "dev2");
    }

    private static Path dev(String id, String file) {
        return certs.resolve("devices").resolve(id).resolve(file);
    }

    @Test
    void aPkcs1KeyAndItsCertificateSealAReportTheCloudOpens() throws Exception {
        DeviceIdentity id = DeviceIdentity.load(dev("dev1", "client.pem"), dev("dev1", "client.key"));
        String json = "{\"time\":\"now\",\"software\":{\"mode\":\"native\"},\"note\":\"" + "x".repeat(1000) + "\"}";
        ReportCrypto.Sealed sealed = ReportCrypto.seal(json.getBytes(StandardCharsets.UTF_8), id.privateKey());

        String opened = TestCloud.decryptReport(sealed.body().getBytes(StandardCharsets.US_ASCII), sealed.key(), id.certificate());
        assertThat(opened).isEqualTo(json);
        // The serial is the certificate's, in decimal (Go's big.Int.String()).
        assertThat(id.serialNumber()).isEqualTo(id.certificate().getSerialNumber().toString(10)).matches("\\d+");
        // A fresh key per report: the same JSON never seals to the same bytes.
        assertThat(ReportCrypto.seal(json.getBytes(StandardCharsets.UTF_8), id.privateKey()).body()).isNotEqualTo(sealed.body());
        assertThat(Base64.getDecoder().decode(sealed.key())).hasSize(256); // 2048-bit RSA block
    }

    @Test
    void aPkcs8KeyWorksToo() throws Exception {
        TestCerts.run(certs, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", dev("dev1", "client.key").toString(),
                "-out", certs.resolve("dev1-pkcs8.key").toString());
        DeviceIdentity id = DeviceIdentity.load(dev("dev1", "client.pem"), certs.resolve("dev1-pkcs8.key"));
        ReportCrypto.Sealed sealed = ReportCrypto.seal("{}".getBytes(StandardCharsets.UTF_8), id.privateKey());
        assertThat(TestCloud.decryptReport(sealed.body().getBytes(StandardCharsets.US_ASCII), sealed.key(), id.certificate()))
                .isEqualTo("{}");
    }

    @Test
    void aKeyOfAnotherDeviceIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> DeviceIdentity.load(dev("dev1", "client.pem"), dev("dev2", "client.key")))
                .hasMessageStartingWith("remote.mqtt.key: " + dev("dev2", "client.key") + ": the ")
                .hasMessageContaining(" key does not belong to the certificate remote.mqtt.cert ("
                        + dev("dev1", "client.pem") + ", subject ");
        assertThatThrownBy(() -> DeviceIdentity.load(dev("dev1", "client.pem"), dev("dev1", "client.pem")))
                .hasMessageStartingWith("remote.mqtt.key: " + dev("dev1", "client.pem")
                        + ": holds BEGIN CERTIFICATE, not a private key");
        assertThatThrownBy(() -> DeviceIdentity.load(dev("dev1", "missing.pem"), dev("dev1", "client.key")))
                .hasMessage("remote.mqtt.cert: " + dev("dev1", "missing.pem") + ": file not found");
    }

    @Test
    void anEcKeyIsRefusedBecauseReportsNeedRsa() throws Exception {
        io.baetyl.sdk.testing.TestPki pki = io.baetyl.sdk.testing.TestPki.create(certs.resolve("ec-pki"));
        io.baetyl.sdk.testing.TestPki.Leaf ec = pki.issue("ec-device", io.baetyl.sdk.testing.TestPki.KeyFormat.EC);
        assertThatThrownBy(() -> DeviceIdentity.load(ec.cert(), ec.key()))
                .hasMessage("remote.mqtt.key: " + ec.key() + ": holds a SEC 1 EC key; the agent needs an RSA key "
                        + "(the report's AES key is encrypted with it)");
    }
}
