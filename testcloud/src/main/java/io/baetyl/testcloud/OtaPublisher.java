package io.baetyl.testcloud;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Pushes an OTA to a device: zips a directory (keeping executable bits, so native packages stay runnable), puts the
 * zip where the cloud serves it, computes its MD5 as the cloud protocol writes it (base64 of the digest) and
 * publishes the OTA event with QoS 1 on the device's desire topic ({@code $baidu/iot/edge/<id>/core/backward}).
 */
public final class OtaPublisher {
    public static final String DESIRE_TOPIC = "$baidu/iot/edge/%s/core/backward";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String mqtt;
    private final String https;

    /** A volume ready to be ordered: where the device downloads it and its MD5. */
    public record Volume(String name, String path, String url, String md5, String version) {
        public Map<String, Object> json() {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("url", url);
            meta.put("md5", md5);
            meta.put("version", version);
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", name);
            v.put("path", path);
            v.put("meta", meta);
            return v;
        }

        public Volume withMd5(String other) {
            return new Volume(name, path, url, other, version);
        }
    }

    OtaPublisher(Path dir, String mqtt, String https) {
        this.dir = dir;
        this.mqtt = mqtt;
        this.https = https;
    }

    /** Reads the addresses the serve command wrote to {@code DIR/cloud.properties}. */
    public static OtaPublisher forServed(Path dir) throws IOException {
        var p = new java.util.Properties();
        Path f = dir.resolve("cloud.properties");
        if (!Files.exists(f)) {
            throw new IOException(f + " not found: is the test cloud serving from " + dir + "?");
        }
        try (var in = Files.newBufferedReader(f)) {
            p.load(in);
        }
        return new OtaPublisher(dir, p.getProperty("mqtt"), p.getProperty("https"));
    }

    /**
     * Makes a volume of {@code source} (a directory, zipped here, or a ready .zip) served as
     * {@code volumes/<name>-<version>.zip}.
     *
     * @param path where the device keeps it, e.g. {@code var/db/baetyl/app-v2}
     */
    public Volume volume(String name, String path, String version, Path source) throws IOException {
        Path served = dir.resolve("volumes").resolve(name + "-" + version + ".zip");
        Files.createDirectories(served.getParent());
        if (Files.isDirectory(source)) {
            zip(source, served);
        } else {
            Files.copy(source, served, StandardCopyOption.REPLACE_EXISTING);
        }
        return new Volume(name, path, https + "/volumes/" + served.getFileName(), md5(served), version);
    }

    /** The event the cloud sends: {@code {"time","event":"OTA","content":{type,trace,version,volume}}}. */
    public static byte[] otaEvent(String type, String trace, String version, Volume v) throws IOException {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("type", type);
        content.put("trace", trace);
        content.put("version", version);
        content.put("volume", v.json());
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", Instant.now().toString());
        e.put("event", "OTA");
        e.put("content", content);
        return JSON.writeValueAsBytes(e);
    }

    /** Publishes an OTA event to the device. */
    public void pushOta(String deviceId, String type, String trace, String version, Volume v)
            throws IOException, GeneralSecurityException, MqttException {
        publish(deviceId, otaEvent(type, trace, version, v));
    }

    /** Publishes any payload on the device's desire topic, QoS 1 (waits for the broker's PUBACK). */
    public void publish(String deviceId, byte[] payload) throws IOException, GeneralSecurityException, MqttException {
        MqttClient c = new MqttClient(mqtt, "testcloud-push-" + Long.toHexString(System.nanoTime()), new MemoryPersistence());
        try {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setConnectionTimeout(10);
            o.setSocketFactory(Pem.tls(dir.resolve("ca.pem"), dir.resolve("cloud.pem"), dir.resolve("cloud.key")).getSocketFactory());
            c.connect(o);
            c.publish(String.format(DESIRE_TOPIC, deviceId), payload, 1, false);
            c.disconnect();
        } finally {
            c.close();
        }
    }

    /** Zips a directory tree; files keep their executable bit, symbolic links are stored as links. */
    public static void zip(Path source, Path zip) throws IOException {
        Path tmp = zip.resolveSibling(zip.getFileName() + ".tmp");
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(Files.newOutputStream(tmp));
             Stream<Path> walk = Files.walk(source)) {
            for (Path p : walk.sorted().toList()) {
                if (p.equals(source)) {
                    continue;
                }
                String name = source.relativize(p).toString().replace('\\', '/');
                if (Files.isSymbolicLink(p)) {
                    ZipArchiveEntry e = new ZipArchiveEntry(name);
                    e.setUnixMode(0120777);
                    out.putArchiveEntry(e);
                    out.write(Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8));
                    out.closeArchiveEntry();
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    ZipArchiveEntry e = new ZipArchiveEntry(name + "/");
                    e.setUnixMode(040755);
                    out.putArchiveEntry(e);
                    out.closeArchiveEntry();
                } else {
                    ZipArchiveEntry e = new ZipArchiveEntry(name);
                    e.setUnixMode(Files.isExecutable(p) ? 0100755 : 0100644);
                    out.putArchiveEntry(e);
                    try (InputStream in = Files.newInputStream(p)) {
                        in.transferTo(out);
                    }
                    out.closeArchiveEntry();
                }
            }
        }
        Files.move(tmp, zip, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A zip with the given raw entries (name → content), for hostile-input tests: names are written as given. */
    public static void rawZip(Path zip, List<Map.Entry<String, byte[]>> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(zip); ZipArchiveOutputStream out = new ZipArchiveOutputStream(os)) {
            for (Map.Entry<String, byte[]> en : entries) {
                ZipArchiveEntry e = new ZipArchiveEntry(en.getKey());
                e.setUnixMode(0100644);
                out.putArchiveEntry(e);
                out.write(en.getValue());
                out.closeArchiveEntry();
            }
        }
    }

    /** Base64 of the file's MD5 digest, as the cloud protocol writes {@code meta.md5}. */
    public static String md5(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("MD5");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
