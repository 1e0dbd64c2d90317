package io.baetyl.testcloud;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A cloud for the agent on this machine: Mosquitto on {@code ssl://127.0.0.1:<mqttPort>} requiring client
 * certificates of the cloud's CA (two-way TLS), and the {@link ReportServer} on {@code https://127.0.0.1:<httpsPort>}.
 * Everything lives in one directory made by {@code gen-certs.sh}; the ports are written to
 * {@code cloud.properties} there so that {@code push} finds them.
 */
public final class TestCloud implements AutoCloseable {
    private final Path dir;
    private final int mqttPort;
    private final int httpsPort;
    private Process mosquitto;
    private ReportServer https;

    /** @param mqttPort 0 for a free port; likewise httpsPort */
    public TestCloud(Path dir, int mqttPort, int httpsPort) {
        this.dir = dir.toAbsolutePath().normalize();
        this.mqttPort = mqttPort == 0 ? freePort() : mqttPort;
        this.httpsPort = httpsPort == 0 ? freePort() : httpsPort;
    }

    public TestCloud start() throws IOException, GeneralSecurityException, InterruptedException {
        for (String f : List.of("ca.pem", "server.pem", "server.key", "cloud.pem", "cloud.key")) {
            if (!Files.exists(dir.resolve(f))) {
                throw new IOException(dir.resolve(f) + " not found: make the certificates first with testcloud/gen-certs.sh " + dir);
            }
        }
        startMosquitto();
        https = new ReportServer(dir, httpsPort, Pem.tls(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key")))
                .start();
        Properties p = new Properties();
        p.setProperty("mqtt", mqttAddress());
        p.setProperty("https", httpsAddress());
        try (var out = Files.newBufferedWriter(dir.resolve("cloud.properties"))) {
            p.store(out, "written by the test cloud's serve command; read by push");
        }
        return this;
    }

    private void startMosquitto() throws IOException, InterruptedException {
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + mqttPort + " 127.0.0.1\n"
                + "cafile " + dir.resolve("ca.pem") + "\n"
                + "certfile " + dir.resolve("server.pem") + "\n"
                + "keyfile " + dir.resolve("server.key") + "\n"
                + "require_certificate true\n"
                + "allow_anonymous true\n"
                + "persistence false\n"
                + "max_queued_messages 1000\n"
                // Started as root, mosquitto would switch to its own user and lose access to the keys.
                + "user " + System.getProperty("user.name") + "\n"
                + "log_dest file " + dir.resolve("mosquitto.log") + "\n"
                + "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
                + "connection_messages true\n");
        mosquitto = new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.out").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!accepting(mqttPort)) {
            if (!mosquitto.isAlive()) {
                throw new IOException("mosquitto exited: " + Files.readString(dir.resolve("mosquitto.out")));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("mosquitto did not listen on " + mqttPort + " within 15s");
            }
            Thread.sleep(20);
        }
    }

    private static boolean accepting(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public String mqttAddress() {
        return "ssl://127.0.0.1:" + mqttPort;
    }

    public String httpsAddress() {
        return "https://127.0.0.1:" + httpsPort;
    }

    /** The agent-cert files of a device made by gen-certs.sh. */
    public Path deviceDir(String id) {
        return dir.resolve("devices").resolve(id);
    }

    /** Decrypts a report body with the device certificate's public key, as the cloud does on each POST. */
    public static String decryptReport(byte[] body, String key, java.security.cert.X509Certificate cert)
            throws GeneralSecurityException {
        return ReportServer.decrypt(body, key, cert);
    }

    /** A publisher of OTA events and volumes for this cloud. */
    public OtaPublisher publisher() {
        return new OtaPublisher(dir, mqttAddress(), httpsAddress());
    }

    /** Reports of a device received so far, decrypted, oldest first (the last 50). */
    public List<Map<String, Object>> reports(String id) throws IOException {
        return ReportServer.reports(dir, id);
    }

    /** The records of an OTA as the device last reported them. */
    public List<Map<String, Object>> ota(String id, String trace) throws IOException {
        return ReportServer.ota(dir, id, trace);
    }

    /** The steps of an OTA as the device last reported them, e.g. [RECEIVED, UPDATING, UPDATED]. */
    public List<String> otaSteps(String id, String trace) throws IOException {
        return ota(id, trace).stream().map(r -> String.valueOf(r.get("step"))).toList();
    }

    /** Stops the HTTPS side only (tests of an unreachable cloud); {@link #startHttps()} brings it back on the same port. */
    public void stopHttps() {
        if (https != null) {
            https.close();
            https = null;
        }
    }

    public void startHttps() throws IOException, GeneralSecurityException {
        https = new ReportServer(dir, httpsPort, Pem.tls(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key")))
                .start();
    }

    @Override
    public void close() {
        stopHttps();
        if (mosquitto != null && mosquitto.isAlive()) {
            mosquitto.destroy();
            try {
                if (!mosquitto.waitFor(5, TimeUnit.SECONDS)) {
                    mosquitto.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
