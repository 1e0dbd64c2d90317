package io.baetyl.agent;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The device's identity towards the cloud: its client certificate (whose serial number is sent as
 * {@code x-iot-edge-sn}) and the RSA private key that "encrypts" each report's AES key. The key may be PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}, as the original required) or PKCS#8 ({@code BEGIN PRIVATE KEY}).
 */
public record DeviceIdentity(X509Certificate certificate, PrivateKey privateKey) {

    /** The serial number in decimal, as Go's {@code big.Int.String()} writes it. */
    public String serialNumber() {
        BigInteger sn = certificate.getSerialNumber();
        return sn.toString();
    }

    /**
     * Loads and cross-checks the pair. Errors name the config key and the file, e.g.
     * {@code remote.mqtt.key: var/db/baetyl/cert/client.key does not belong to the certificate remote.mqtt.cert ...}.
     */
    public static DeviceIdentity load(Path certFile, Path keyFile) {
        X509Certificate cert = readCertificate(certFile);
        PrivateKey key = readPrivateKey(keyFile);
        if (!(key instanceof RSAPrivateCrtKey rsa) || !(cert.getPublicKey() instanceof RSAPublicKey pub)) {
            throw new IllegalArgumentException("remote.mqtt.key: " + keyFile + " must be an RSA key with an RSA certificate "
                    + "(the report's AES key is encrypted with it), got " + key.getAlgorithm() + " / "
                    + cert.getPublicKey().getAlgorithm());
        }
        if (!rsa.getModulus().equals(pub.getModulus()) || !rsa.getPublicExponent().equals(pub.getPublicExponent())) {
            throw new IllegalArgumentException("remote.mqtt.key: " + keyFile + " does not belong to the certificate "
                    + "remote.mqtt.cert (" + certFile + ")");
        }
        return new DeviceIdentity(cert, key);
    }

    static X509Certificate readCertificate(Path file) {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("remote.mqtt.cert: cannot read " + file + ": " + e, e);
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("remote.mqtt.cert: " + file + " is not a PEM X.509 certificate: " + e.getMessage(), e);
        }
    }

    static PrivateKey readPrivateKey(Path file) {
        Object pem;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            pem = parser.readObject();
        } catch (IOException e) {
            throw new IllegalArgumentException("remote.mqtt.key: cannot read " + file + ": " + e, e);
        }
        try {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (pem instanceof PEMKeyPair pair) {
                return conv.getPrivateKey(pair.getPrivateKeyInfo()); // PKCS#1 "RSA PRIVATE KEY"
            }
            if (pem instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info); // PKCS#8 "PRIVATE KEY"
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("remote.mqtt.key: " + file + " holds an unusable key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("remote.mqtt.key: " + file + " is not an unencrypted PEM private key (PKCS#1 or PKCS#8)"
                + (pem == null ? "" : ", found " + pem.getClass().getSimpleName()));
    }
}
