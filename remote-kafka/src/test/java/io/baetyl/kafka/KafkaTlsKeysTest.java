package io.baetyl.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.testing.TestPki;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Properties;
import org.apache.kafka.common.config.SslConfigs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Kafka's PEM key store takes PKCS#8 only; the bridge hands it any key format Baetyl's TLS files allow. */
@Timeout(60)
class KafkaTlsKeysTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create(dir);
    }

    @ParameterizedTest
    @EnumSource(TestPki.KeyFormat.class)
    void everyKeyFormatReachesKafkaAsPkcs8(TestPki.KeyFormat format) throws Exception {
        TestPki.Leaf leaf = pki.issue("edge-" + format.name().toLowerCase(), format);
        RemoteKafkaConfig.Kafka k = new RemoteKafkaConfig.Kafka();
        k.bootstrap_servers.add("127.0.0.1:9093");
        k.ca = pki.ca.toString();
        k.cert = leaf.cert().toString();
        k.key = leaf.key().toString();
        k.passphrase = leaf.passphrase();
        Properties p = KafkaSettings.common(k, "");
        String pem = (String) p.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG);
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        String alg = format == TestPki.KeyFormat.EC ? "EC" : "RSA";
        assertThat(KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der)).getAlgorithm()).isEqualTo(alg);
    }

    @Test
    void aWrongKeyFileNamesKafkaKey() throws Exception {
        TestPki.Leaf leaf = pki.issue("edge-wrong", TestPki.KeyFormat.PKCS1);
        RemoteKafkaConfig.Kafka k = new RemoteKafkaConfig.Kafka();
        k.bootstrap_servers.add("127.0.0.1:9093");
        k.cert = leaf.cert().toString();
        k.key = leaf.cert().toString();
        assertThatThrownBy(() -> KafkaSettings.common(k, ""))
                .hasMessageStartingWith("kafka.key: " + leaf.cert() + ": holds BEGIN CERTIFICATE, not a private key");
    }
}
