package io.baetyl.hub.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test PKI made with openssl, for the tests of every module that talks TLS to a hub: a CA, a server certificate for
 * 127.0.0.1 and localhost, and a client certificate (PKCS#8 keys). Shared through the hub's test jar.
 */
public final class Certs {
    public final Path dir;
    public final Path ca;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;

    private Certs(Path dir) {
        this.dir = dir;
        ca = dir.resolve("ca.pem");
        serverCert = dir.resolve("server.pem");
        serverKey = dir.resolve("server.key");
        clientCert = dir.resolve("client.pem");
        clientKey = dir.resolve("client.key");
    }

    /** A CA named test-ca and a client certificate for the principal cert-user. */
    public static Certs create(Path dir) throws Exception {
        return create(dir, "test-ca", "cert-user");
    }

    /** {@code caName}: the CA's CN (two PKIs in one test need two names); {@code clientCn}: the client certificate's CN. */
    public static Certs create(Path dir, String caName, String clientCn) throws Exception {
        Files.createDirectories(dir);
        Certs c = new Certs(dir);
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + caName,
                "-keyout", "ca.key", "-out", "ca.pem");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        issue(dir, "server", "/CN=localhost", "server.ext");
        issue(dir, "client", "/CN=" + clientCn, null);
        return c;
    }

    private static void issue(Path dir, String name, String subject, String ext) throws Exception {
        run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", name + ".key", "-out", name + ".csr");
        if (ext == null) {
            run(dir, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "2", "-out", name + ".pem");
        } else {
            run(dir, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "2", "-extfile", ext, "-out", name + ".pem");
        }
    }

    public static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** An SSLContext that trusts the test CA (no client certificate). */
    public SSLContext clientContext() throws Exception {
        KeyStore ts = KeyStore.getInstance(KeyStore.getDefaultType());
        ts.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            ts.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
