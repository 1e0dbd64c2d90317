package io.baetyl.sdk.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real PEM files made by the {@code openssl} command, as users make theirs: a CA and certificates signed by it whose
 * private keys are written in each format Baetyl users have ({@link KeyFormat}). Shared with other modules' tests
 * through the sdk test-jar.
 */
public final class TestPki {
    /** The passphrase of {@link KeyFormat#ENCRYPTED_PKCS8} keys. */
    public static final String PASSPHRASE = "s3cret-pass";

    /** The private key formats of the TLS issue: what openssl genrsa, genpkey, ecparam and pkcs8 -topk8 write. */
    public enum KeyFormat {
        /** {@code BEGIN RSA PRIVATE KEY}: {@code openssl genrsa -traditional}, older openssl's genrsa, many CAs. */
        PKCS1("BEGIN RSA PRIVATE KEY"),
        /** {@code BEGIN PRIVATE KEY}: {@code openssl genpkey}, {@code req -nodes}. */
        PKCS8("BEGIN PRIVATE KEY"),
        /** {@code BEGIN EC PARAMETERS} + {@code BEGIN EC PRIVATE KEY}: {@code openssl ecparam -genkey}. */
        EC("BEGIN EC PRIVATE KEY"),
        /** {@code BEGIN ENCRYPTED PRIVATE KEY}: {@code openssl genpkey -aes-256-cbc}, {@link #PASSPHRASE}. */
        ENCRYPTED_PKCS8("BEGIN ENCRYPTED PRIVATE KEY");

        public final String pemLabel;

        KeyFormat(String pemLabel) {
            this.pemLabel = pemLabel;
        }
    }

    /** A certificate and its key file. */
    public record Leaf(Path cert, Path key, KeyFormat format) {
        /** The passphrase to put in the config: set only for encrypted keys. */
        public String passphrase() {
            return format == KeyFormat.ENCRYPTED_PKCS8 ? PASSPHRASE : "";
        }
    }

    public final Path dir;
    public final Path ca;

    private TestPki(Path dir) {
        this.dir = dir;
        this.ca = dir.resolve("ca.pem");
    }

    /** A fresh CA in {@code dir}. */
    public static TestPki create(Path dir) throws IOException {
        Files.createDirectories(dir);
        TestPki pki = new TestPki(dir);
        pki.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=baetyl-test-ca",
                "-keyout", "ca.key", "-out", "ca.pem");
        return pki;
    }

    /** A certificate for 127.0.0.1 and localhost (and {@code dnsNames}), its key in {@code format}. */
    public Leaf issue(String name, KeyFormat format, String... dnsNames) throws IOException {
        String key = name + ".key";
        switch (format) {
            case PKCS1 -> openssl("genrsa", "-traditional", "-out", key, "2048");
            case PKCS8 -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
            case EC -> openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", key);
            case ENCRYPTED_PKCS8 -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-aes-256-cbc", "-pass", "pass:" + PASSPHRASE, "-out", key);
            default -> throw new IllegalArgumentException(String.valueOf(format));
        }
        String text = Files.readString(dir.resolve(key));
        if (!text.contains("-----" + format.pemLabel + "-----")) {
            throw new IllegalStateException("openssl wrote " + key + " without " + format.pemLabel + ":\n" + text);
        }
        List<String> req = new ArrayList<>(List.of("req", "-new", "-key", key, "-subj", "/CN=" + name, "-out", name + ".csr"));
        if (format == KeyFormat.ENCRYPTED_PKCS8) {
            req.addAll(List.of("-passin", "pass:" + PASSPHRASE));
        }
        openssl(req.toArray(new String[0]));
        StringBuilder san = new StringBuilder("subjectAltName=IP:127.0.0.1,DNS:localhost");
        for (String d : dnsNames) {
            san.append(",DNS:").append(d);
        }
        Files.writeString(dir.resolve(name + ".ext"), san + "\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
        return new Leaf(dir.resolve(name + ".pem"), dir.resolve(key), format);
    }

    private void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }
}
