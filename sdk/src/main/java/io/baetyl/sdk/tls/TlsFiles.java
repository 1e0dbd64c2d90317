package io.baetyl.sdk.tls;

import io.baetyl.sdk.config.HostPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.KeyStore;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The {@code ca}, {@code cert}, {@code key} (and optional {@code passphrase}) of one TLS block of a config, read
 * with {@link PemFiles}. {@code prefix} is where the block sits in the config ({@code certificate}, {@code hub},
 * {@code remotes[0]}, {@code server}), so that errors name the exact key: {@code remotes[0].key: ...}.
 *
 * <p>The results are the JDK's own types, so every TLS stack in the project (Netty, which gRPC also runs on, Paho's
 * JSSE socket factory, the JDK's HttpClient) can be given the same objects.
 */
public final class TlsFiles {
    private final String prefix;
    private final String ca;
    private final String cert;
    private final String key;
    private final String passphrase;

    /** Empty or null strings mean "not set". */
    public TlsFiles(String prefix, String ca, String cert, String key, String passphrase) {
        this.prefix = prefix;
        this.ca = blankToNull(ca);
        this.cert = blankToNull(cert);
        this.key = blankToNull(key);
        this.passphrase = blankToNull(passphrase);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    public boolean hasCa() {
        return ca != null;
    }

    /** Both cert and key are set. */
    public boolean hasKeyPair() {
        return cert != null && key != null;
    }

    private String name(String field) {
        return prefix == null || prefix.isEmpty() ? field : prefix + "." + field;
    }

    /** The CA certificates to trust; empty when {@code ca} is not set. */
    public X509Certificate[] trustedCas() {
        return ca == null ? new X509Certificate[0] : PemFiles.certificates(name("ca"), Path.of(ca));
    }

    /** The certificate and its key, checked to belong together. Requires {@link #hasKeyPair()}. */
    public KeyPair keyPair() {
        if (!hasKeyPair()) {
            throw new IllegalArgumentException(name(cert == null ? "cert" : "key") + ": is required with "
                    + name(cert == null ? "key" : "cert"));
        }
        X509Certificate[] chain = PemFiles.certificates(name("cert"), Path.of(cert));
        PemFiles.LoadedKey loaded = PemFiles.privateKey(name("key"), Path.of(key), passphrase, name("passphrase"));
        if (!belongTogether(loaded.key(), chain[0].getPublicKey())) {
            throw new IllegalArgumentException(name("key") + ": " + HostPaths.describe(Path.of(key)) + ": the "
                    + loaded.format() + " key does not belong to the certificate " + name("cert") + " ("
                    + HostPaths.describe(Path.of(cert)) + ", subject " + chain[0].getSubjectX500Principal().getName()
                    + ")");
        }
        return new KeyPair(loaded.key(), chain, loaded.format());
    }

    /** A certificate chain (leaf first) and its private key. */
    public record KeyPair(PrivateKey key, X509Certificate[] chain, String keyFormat) {
        /** JSSE key managers holding this pair, for TLS stacks that take {@link KeyManager}s (gRPC, JDK). */
        public KeyManager[] keyManagers() {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                char[] pw = new char[0];
                ks.setKeyEntry("key", key, pw, chain);
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
                return kmf.getKeyManagers();
            } catch (GeneralSecurityException | java.io.IOException e) {
                throw new IllegalArgumentException("cannot hold the " + keyFormat + " key for TLS: " + e.getMessage(), e);
            }
        }
    }

    /** JSSE trust managers trusting exactly the {@code ca} certificates. Requires {@link #hasCa()}. */
    public TrustManager[] trustManagers() {
        X509Certificate[] cas = trustedCas();
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < cas.length; i++) {
                ks.setCertificateEntry("ca" + i, cas[i]);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException(name("ca") + ": cannot trust " + ca + ": " + e.getMessage(), e);
        }
    }

    /**
     * Signs a probe with the key and verifies it with the certificate's public key: the one check that works the
     * same for RSA, EC and EdDSA, and catches the swapped key files a TLS handshake would only report as "bad
     * certificate" on the other side.
     */
    static boolean belongTogether(PrivateKey priv, PublicKey pub) {
        if (!priv.getAlgorithm().equals(pub.getAlgorithm())
                && !(priv instanceof ECKey && pub instanceof ECKey)
                && !(priv instanceof RSAKey && pub instanceof RSAKey)) {
            return false;
        }
        String alg = switch (pub.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> pub.getAlgorithm();
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (alg == null) {
            return true; // an algorithm we cannot probe: the handshake will tell
        }
        try {
            byte[] probe = "baetyl key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(priv);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
