package io.baetyl.agent;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches volumes into the master's {@code var/db/baetyl} as baetyl-agent does: a volume at
 * {@code var/db/baetyl/<rel>} is the agent's {@code var/db/baetyl/volumes/<rel>}; its zip is kept there as
 * {@code <name>.zip} and unpacked beside it. When that zip is already there with the expected MD5 nothing is
 * downloaded. Otherwise it is downloaded (retried), its MD5 (base64 of the digest, as the cloud sends it) checked,
 * and unpacked with {@link SafeUnzip}. A failure leaves what was there before as it was: the download goes to a
 * temporary file, and a directory the attempt created is removed again.
 */
final class VolumeStore {
    static final Path DB_DIR = Path.of("var/db/baetyl");
    /** Attempts per download, and the wait before the second and third. */
    static final int ATTEMPTS = 3;

    private static final Logger log = LoggerFactory.getLogger(VolumeStore.class);

    private final Path volumesDir;
    private final CloudHttp http;
    private final AgentConfig.Limit limit;
    private final Duration retryWait;

    /** Where a volume is: its path for the master, and the agent's view of it. */
    record Dirs(String hostDir, Path agentDir) {
    }

    /**
     * @param volumesDir the agent's view of the master's var/db/baetyl ({@code var/db/baetyl/volumes})
     */
    VolumeStore(Path volumesDir, CloudHttp http, AgentConfig.Limit limit, Duration retryWait) {
        this.volumesDir = volumesDir;
        this.http = http;
        this.limit = limit;
        this.retryWait = retryWait;
    }

    /** Checks name and path: the name is a plain name, the path lies under var/db/baetyl. */
    static Path relativePath(VolumeInfo v) throws IOException {
        if (v.name == null || !VolumeInfo.NAME.matcher(v.name).matches()) {
            throw new IOException("name of volume (" + v.name + ") invalid: must match " + VolumeInfo.NAME.pattern());
        }
        Path p;
        try {
            p = Path.of(v.path == null ? "" : v.path).normalize();
        } catch (IllegalArgumentException e) {
            throw new IOException("path of volume (" + v.name + ") invalid: '" + v.path + "'");
        }
        if (p.isAbsolute() || !p.startsWith(DB_DIR) || p.equals(DB_DIR)) {
            throw new IOException("path of volume (" + v.name + ") invalid: '" + v.path + "' is not inside " + DB_DIR);
        }
        return DB_DIR.relativize(p);
    }

    Dirs dirs(VolumeInfo v) throws IOException {
        Path rel = relativePath(v);
        return new Dirs(DB_DIR.resolve(rel).toString(), volumesDir.resolve(rel.toString()));
    }

    /** Makes the volume present: downloaded, checked and unpacked, or found already there. */
    Dirs fetch(VolumeInfo v) throws IOException, InterruptedException {
        Dirs d = dirs(v);
        Path zip = d.agentDir.resolve(v.name + ".zip");
        if (Files.isRegularFile(zip) && md5(zip).equals(v.meta.md5)) {
            log.debug("volume ({}) exists with the same MD5, not downloaded again", v.name);
            return d;
        }
        if (v.meta.url == null || v.meta.url.isEmpty()) {
            throw new IOException("volume (" + v.name + ") has no meta.url to download it from");
        }
        URI url;
        try {
            url = URI.create(v.meta.url);
        } catch (IllegalArgumentException e) {
            throw new IOException("volume (" + v.name + ") has an invalid meta.url '" + v.meta.url + "'");
        }
        Path created = firstMissing(d.agentDir);
        Files.createDirectories(d.agentDir);
        Path part = d.agentDir.resolve("." + v.name + ".zip.download");
        boolean ok = false;
        try {
            long t0 = System.nanoTime();
            long size = download(v, url, part);
            String md5 = md5(part);
            if (!md5.equals(v.meta.md5)) {
                throw new IOException("MD5 of volume (" + v.name + ") invalid: expected " + v.meta.md5 + ", got " + md5);
            }
            try {
                SafeUnzip.unzip(part, d.agentDir, limit.size.bytes(), limit.files);
            } catch (IOException e) {
                throw new IOException("failed to unzip volume (" + v.name + "): " + e.getMessage(), e);
            }
            Files.move(part, zip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.info("volume ({}) downloaded and unpacked: {} bytes in {} ms into {}", v.name, size,
                    (System.nanoTime() - t0) / 1_000_000, d.hostDir);
            ok = true;
            return d;
        } finally {
            Files.deleteIfExists(part);
            if (!ok && created != null) {
                Cleaner.deleteTree(created);
            }
        }
    }

    private long download(VolumeInfo v, URI url, Path part) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return http.download(url, part, limit.size.bytes());
            } catch (CloudHttp.StatusException e) {
                if (e.status < 500) {
                    throw new IOException("failed to download volume (" + v.name + "): " + e.getMessage(), e);
                }
                last = e;
            } catch (IOException e) {
                last = e;
            }
            log.warn("download of volume ({}) failed (attempt {}/{}): {}", v.name, attempt, ATTEMPTS, last.getMessage());
            if (attempt < ATTEMPTS) {
                Thread.sleep(retryWait.toMillis() * attempt);
            }
        }
        throw new IOException("failed to download volume (" + v.name + ") after " + ATTEMPTS + " attempts: "
                + last.getMessage(), last);
    }

    /** The topmost directory of {@code dir} that does not exist yet, or null when it exists. */
    private static Path firstMissing(Path dir) {
        Path missing = null;
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    /** MD5 of a file as the cloud writes it: base64 (standard, padded) of the 16-byte digest. */
    static String md5(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Base64.getEncoder().encodeToString(md.digest());
    }
}
