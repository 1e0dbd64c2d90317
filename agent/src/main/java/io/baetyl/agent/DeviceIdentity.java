package io.baetyl.agent;

import io.baetyl.sdk.config.HostPaths;
import io.baetyl.sdk.tls.TlsFiles;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;

/**
 * The device's identity towards the cloud: its client certificate (whose serial number is sent as
 * {@code x-iot-edge-sn}) and the RSA private key that "encrypts" each report's AES key. The key is read by the
 * sdk's {@link TlsFiles}: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, as the original required), PKCS#8, or encrypted
 * with {@code remote.mqtt.passphrase}.
 */
public record DeviceIdentity(X509Certificate certificate, PrivateKey privateKey) {

    /** The serial number in decimal, as Go's {@code big.Int.String()} writes it. */
    public String serialNumber() {
        BigInteger sn = certificate.getSerialNumber();
        return sn.toString();
    }

    /** {@link #load(Path, Path, String)} of an unencrypted key. */
    public static DeviceIdentity load(Path certFile, Path keyFile) {
        return load(certFile, keyFile, null);
    }

    /**
     * Loads and cross-checks the pair. Errors name the config key and the file, e.g.
     * {@code remote.mqtt.key: var/db/baetyl/cert/client.key: the PKCS#1 RSA key does not belong to the certificate ...}.
     */
    public static DeviceIdentity load(Path certFile, Path keyFile, String passphrase) {
        TlsFiles.KeyPair pair = new TlsFiles("remote.mqtt", null, certFile.toString(), keyFile.toString(), passphrase)
                .keyPair();
        if (!(pair.key() instanceof RSAPrivateKey)) {
            throw new IllegalArgumentException("remote.mqtt.key: " + HostPaths.describe(keyFile) + ": holds a "
                    + pair.keyFormat() + " key; the agent needs an RSA key (the report's AES key is encrypted with it)");
        }
        return new DeviceIdentity(pair.chain()[0], pair.key());
    }
}
