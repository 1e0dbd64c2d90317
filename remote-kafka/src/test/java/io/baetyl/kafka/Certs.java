package io.baetyl.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A test PKI made with openssl: a CA, a server certificate for 127.0.0.1 and a client certificate (PKCS#8 keys). */
final class Certs {
    final Path dir;
    final Path ca;
    final Path serverCert;
    final Path serverKey;
    final Path clientCert;
    final Path clientKey;

    private Certs(Path dir) {
        this.dir = dir;
        ca = dir.resolve("ca.pem");
        serverCert = dir.resolve("server.pem");
        serverKey = dir.resolve("server.key");
        clientCert = dir.resolve("client.pem");
        clientKey = dir.resolve("client.key");
    }

    static Certs create(Path dir, String caName) throws Exception {
        Files.createDirectories(dir);
        Certs c = new Certs(dir);
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + caName,
                "-keyout", "ca.key", "-out", "ca.pem");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        issue(dir, "server", "/CN=localhost", "server.ext");
        issue(dir, "client", "/CN=bridge", null);
        return c;
    }

    private static void issue(Path dir, String name, String subject, String ext) throws Exception {
        run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", name + ".key",
                "-out", name + ".csr");
        if (ext == null) {
            run(dir, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-out", name + ".pem");
        } else {
            run(dir, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", name + ".pem");
        }
    }

    static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
