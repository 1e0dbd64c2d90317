package io.baetyl.sdk.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baetyl.sdk.testing.TestPki;
import io.baetyl.sdk.testing.TestPki.KeyFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Key and certificate files written by the openssl command in every format, and the errors of bad ones. */
@Timeout(120)
class TlsFilesTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki.Leaf rsa;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
        rsa = pki.issue("rsa", KeyFormat.PKCS8);
    }

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void everyKeyFormatLoadsAndMatchesItsCertificate(KeyFormat format) throws Exception {
        TestPki.Leaf leaf = pki.issue("leaf-" + format, format);
        TlsFiles.KeyPair pair = new TlsFiles("remotes[0]", pki.ca.toString(), leaf.cert().toString(),
                leaf.key().toString(), leaf.passphrase()).keyPair();
        assertThat(pair.chain()).hasSize(1);
        assertThat(pair.key().getAlgorithm()).isEqualTo(format == KeyFormat.EC ? "EC" : "RSA");
        assertThat(pair.keyFormat()).isEqualTo(switch (format) {
            case PKCS1 -> "PKCS#1 RSA";
            case PKCS8 -> "PKCS#8 RSA";
            case EC -> "SEC 1 EC";
            case ENCRYPTED_PKCS8 -> "encrypted PKCS#8 RSA";
        });
    }

    @Test
    void encryptedKeyWithoutPassphraseNamesThePassphraseKey() throws Exception {
        TestPki.Leaf leaf = pki.issue("enc", KeyFormat.ENCRYPTED_PKCS8);
        TlsFiles files = new TlsFiles("remotes[0]", null, leaf.cert().toString(), leaf.key().toString(), "");
        assertThatThrownBy(files::keyPair)
                .hasMessageStartingWith("remotes[0].key: " + leaf.key())
                .hasMessageContaining("holds an encrypted key (BEGIN ENCRYPTED PRIVATE KEY) but remotes[0].passphrase is not set");
        TlsFiles wrong = new TlsFiles("remotes[0]", null, leaf.cert().toString(), leaf.key().toString(), "nope");
        assertThatThrownBy(wrong::keyPair)
                .hasMessageStartingWith("remotes[0].key: " + leaf.key())
                .hasMessageContaining("cannot decrypt the encrypted PKCS#8 key with remotes[0].passphrase (wrong passphrase?)");
    }

    @Test
    void certificateGivenAsKeyAndKeyGivenAsCertificateSayWhatTheFilesHold() {
        TlsFiles swapped = new TlsFiles("certificate", null, rsa.key().toString(), rsa.cert().toString(), null);
        assertThatThrownBy(swapped::keyPair).hasMessage("certificate.cert: " + rsa.key()
                + ": holds BEGIN PRIVATE KEY, not a certificate (expected BEGIN CERTIFICATE)");
        TlsFiles keyIsCert = new TlsFiles("certificate", null, rsa.cert().toString(), rsa.cert().toString(), null);
        assertThatThrownBy(keyIsCert::keyPair).hasMessageStartingWith("certificate.key: " + rsa.cert()
                + ": holds BEGIN CERTIFICATE, not a private key");
    }

    @Test
    void keyOfAnotherCertificateIsRefused() throws Exception {
        TestPki.Leaf other = pki.issue("other", KeyFormat.PKCS1);
        TlsFiles files = new TlsFiles("hub", null, rsa.cert().toString(), other.key().toString(), null);
        assertThatThrownBy(files::keyPair).hasMessageStartingWith("hub.key: " + other.key()
                + ": the PKCS#1 RSA key does not belong to the certificate hub.cert (" + rsa.cert() + ", subject CN=rsa)");
    }

    @Test
    void missingAndEmptyAndGarbageFiles() throws Exception {
        Path missing = dir.resolve("nope/client.key");
        TlsFiles files = new TlsFiles("remotes[2]", null, rsa.cert().toString(), missing.toString(), null);
        assertThatThrownBy(files::keyPair).hasMessage("remotes[2].key: " + missing + ": file not found");

        Path empty = Files.writeString(dir.resolve("empty.key"), "");
        assertThatThrownBy(new TlsFiles("hub", null, rsa.cert().toString(), empty.toString(), null)::keyPair)
                .hasMessageStartingWith("hub.key: " + empty + ": holds no PEM block, not a private key");

        Path der = dir.resolve("der.key");
        Files.write(der, new byte[] {0x30, (byte) 0x82, 0x04, (byte) 0xa4, 0x02, 0x01, 0x00});
        assertThatThrownBy(new TlsFiles("hub", null, rsa.cert().toString(), der.toString(), null)::keyPair)
                .hasMessageContaining("holds text without a PEM block (is it DER?");

        assertThatThrownBy(new TlsFiles("hub", rsa.key().toString(), null, null, null)::trustedCas)
                .hasMessageStartingWith("hub.ca: " + rsa.key() + ": holds BEGIN PRIVATE KEY, not a certificate");
    }

    @Test
    void aFileReachedThroughSymlinksIsNamedWithItsHostPath() throws Exception {
        Path service = Files.createDirectories(dir.resolve("services/hub/var/db/baetyl"));
        Path link = Files.createSymbolicLink(service.resolve("cert"), pki.dir);
        Path viaLink = link.resolve("missing.key");
        TlsFiles files = new TlsFiles("certificate", null, rsa.cert().toString(), viaLink.toString(), null);
        assertThatThrownBy(files::keyPair).hasMessage("certificate.key: " + viaLink + " (host file "
                + pki.dir.toRealPath().resolve("missing.key") + "): file not found");
    }

    @Test
    void certAndKeyMustBeGivenTogether() {
        assertThatThrownBy(new TlsFiles("server", null, rsa.cert().toString(), "", null)::keyPair)
                .hasMessage("server.key: is required with server.cert");
    }
}
