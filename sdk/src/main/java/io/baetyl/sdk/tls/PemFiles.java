package io.baetyl.sdk.tls;

import io.baetyl.sdk.config.HostPaths;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Reads the PEM files of TLS settings the way Go's {@code tls.LoadX509KeyPair} (which Baetyl used) accepts them:
 * a private key in PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, as {@code openssl genrsa} and many CAs write it), PKCS#8
 * ({@code BEGIN PRIVATE KEY}) or SEC 1 ({@code BEGIN EC PRIVATE KEY}, after an optional {@code EC PARAMETERS}
 * block), and, with a passphrase, encrypted PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE KEY}) or an OpenSSL-encrypted
 * PKCS#1/SEC 1 key. Parsing is BouncyCastle's ({@code bcpkix}); the keys come out as the JDK's own key objects.
 *
 * <p>Every error names the config key, the file (with its host path, see {@link HostPaths}) and what the file
 * was found to hold, e.g. {@code remotes[0].key: var/db/baetyl/cert/client.key (host file ...): holds a
 * certificate (BEGIN CERTIFICATE), not a private key}.
 */
public final class PemFiles {
    /** A key or certificate file beyond this is not one; reading stops there instead of filling the heap. */
    static final long MAX_FILE_BYTES = 1024 * 1024;
    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");

    private PemFiles() {
    }

    /** A private key and the format it was read from (for logs: "PKCS#1 RSA", "encrypted PKCS#8 EC", ...). */
    public record LoadedKey(PrivateKey key, String format) {
    }

    /**
     * Reads a private key.
     *
     * @param configKey     the key naming the file in errors, e.g. {@code certificate.key} or {@code remotes[0].key}
     * @param passphrase    for an encrypted key; null or empty when the config has none
     * @param passphraseKey the key that would hold the passphrase, named when one is needed and missing
     */
    public static LoadedKey privateKey(String configKey, Path file, String passphrase, String passphraseKey) {
        String text = read(configKey, file);
        String where = configKey + ": " + HostPaths.describe(file);
        String found = describeBlocks(text);
        List<Object> objects = parse(where, text, found);
        Object pem = null;
        for (Object o : objects) {
            if (o instanceof PEMKeyPair || o instanceof PrivateKeyInfo || o instanceof PKCS8EncryptedPrivateKeyInfo
                    || o instanceof PEMEncryptedKeyPair) {
                pem = o;
                break;
            }
        }
        if (pem == null) {
            throw new IllegalArgumentException(where + ": holds " + (found.isEmpty() ? "no PEM block" : found)
                    + ", not a private key (expected BEGIN RSA PRIVATE KEY, BEGIN PRIVATE KEY, BEGIN EC PRIVATE KEY"
                    + " or BEGIN ENCRYPTED PRIVATE KEY)");
        }
        boolean hasPassphrase = passphrase != null && !passphrase.isEmpty();
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (pem instanceof PEMKeyPair pair) {
                PrivateKey k = converter.getPrivateKey(pair.getPrivateKeyInfo());
                return new LoadedKey(k, traditionalFormat(k));
            }
            if (pem instanceof PrivateKeyInfo info) {
                PrivateKey k = converter.getPrivateKey(info);
                return new LoadedKey(k, "PKCS#8 " + k.getAlgorithm());
            }
            if (!hasPassphrase) {
                throw new IllegalArgumentException(where + ": holds an encrypted key (" + found + ") but "
                        + passphraseKey + " is not set; set it, or decrypt the key: openssl pkey -in KEY -out KEY.plain");
            }
            if (pem instanceof PKCS8EncryptedPrivateKeyInfo enc) {
                PrivateKeyInfo info;
                try {
                    InputDecryptorProvider decryptor = new JceOpenSSLPKCS8DecryptorProviderBuilder()
                            .setProvider(BouncyCastle.provider()).build(passphrase.toCharArray());
                    info = enc.decryptPrivateKeyInfo(decryptor);
                } catch (PKCSException | OperatorCreationException e) {
                    throw new IllegalArgumentException(where + ": cannot decrypt the encrypted PKCS#8 key with "
                            + passphraseKey + " (wrong passphrase?): " + rootMessage(e), e);
                }
                PrivateKey k = converter.getPrivateKey(info);
                return new LoadedKey(k, "encrypted PKCS#8 " + k.getAlgorithm());
            }
            PEMEncryptedKeyPair enc = (PEMEncryptedKeyPair) pem;
            PEMKeyPair pair;
            try {
                pair = enc.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(BouncyCastle.provider())
                        .build(passphrase.toCharArray()));
            } catch (IOException e) {
                throw new IllegalArgumentException(where + ": cannot decrypt the encrypted key with " + passphraseKey
                        + " (wrong passphrase?): " + rootMessage(e), e);
            }
            PrivateKey k = converter.getPrivateKey(pair.getPrivateKeyInfo());
            return new LoadedKey(k, "encrypted " + traditionalFormat(k));
        } catch (PEMException e) {
            throw new IllegalArgumentException(where + ": holds " + found + " that cannot be used: " + rootMessage(e), e);
        }
    }

    /** Reads one or more certificates (a chain: the leaf first). */
    public static X509Certificate[] certificates(String configKey, Path file) {
        String text = read(configKey, file);
        String where = configKey + ": " + HostPaths.describe(file);
        String found = describeBlocks(text);
        if (!found.contains("BEGIN CERTIFICATE")) {
            throw new IllegalArgumentException(where + ": holds " + (found.isEmpty() ? "no PEM block" : found)
                    + ", not a certificate (expected BEGIN CERTIFICATE)");
        }
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (var c : cf.generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException(where + ": holds " + found + " that cannot be read: " + rootMessage(e), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(where + ": holds no readable certificate");
        }
        return out.toArray(new X509Certificate[0]);
    }

    private static String read(String configKey, Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(configKey + ": " + HostPaths.describe(file) + ": is "
                        + Files.size(file) + " bytes, too large for a PEM key or certificate (limit "
                        + MAX_FILE_BYTES + ")");
            }
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(configKey + ": " + HostPaths.describe(file) + ": file not found", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(configKey + ": " + HostPaths.describe(file) + ": cannot read: " + e, e);
        }
    }

    private static List<Object> parse(String where, String text, String found) {
        List<Object> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(where + ": holds " + (found.isEmpty() ? "no PEM block" : found)
                    + " that cannot be parsed: " + rootMessage(e), e);
        }
        return out;
    }

    /** The PEM blocks of a file, as a user would recognize them: "BEGIN RSA PRIVATE KEY, BEGIN CERTIFICATE". */
    static String describeBlocks(String text) {
        Set<String> labels = new LinkedHashSet<>();
        Matcher m = BEGIN.matcher(text);
        while (m.find() && labels.size() < 5) {
            labels.add("BEGIN " + m.group(1));
        }
        if (labels.isEmpty()) {
            return text.isBlank() ? "" : "text without a PEM block (is it DER? convert it with openssl ... -outform PEM)";
        }
        return String.join(", ", labels);
    }

    private static String traditionalFormat(PrivateKey k) {
        return switch (k.getAlgorithm()) {
            case "RSA" -> "PKCS#1 RSA";
            case "EC", "ECDSA" -> "SEC 1 EC";
            default -> "traditional " + k.getAlgorithm();
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }

    /** BouncyCastle's provider, made only when an encrypted key needs its ciphers; never registered globally. */
    private static final class BouncyCastle {
        private static volatile java.security.Provider provider;

        static java.security.Provider provider() {
            if (provider == null) {
                provider = new org.bouncycastle.jce.provider.BouncyCastleProvider();
            }
            return provider;
        }
    }
}
