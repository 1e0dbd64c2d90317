package io.baetyl.master.runtime;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.config.AppConfigLoader;
import io.baetyl.master.config.AppPaths;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.PathGuard;
import io.baetyl.sdk.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application.yml side of an app update ({@link Ota}): the update's file is copied over application.yml after the
 * current one is kept as application.yml.old, which a failed update (or the next boot, after a crash) goes back to.
 *
 * <p>Apart from the update's sequence because it is file handling only, with its own bounds (a file larger than
 * {@link Ota#MAX_APP_FILE_BYTES} is not an application.yml) and its own failure modes.
 */
final class AppFileSwap {
    // logged as the update's own lines, so that operators see the same logger name as before the split
    private static final Logger log = LoggerFactory.getLogger(Ota.class);

    private AppFileSwap() {
    }

    /**
     * Moves application.yml to {@code oldFile} (an empty one if there was none) and copies the update's
     * application.yml ({@code target} or {@code target}/application.yml) in its place, at most
     * {@link Ota#MAX_APP_FILE_BYTES}; on a failed copy the old file is moved back.
     */
    static void backupAndCopy(Path appFile, Path oldFile, Path target) throws IOException {
        Path source = Files.isDirectory(target) ? target.resolve("application.yml") : target;
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("path: " + LogSafe.q(source) + ": file not found");
        }
        if (Files.size(source) > Ota.MAX_APP_FILE_BYTES) {
            throw new IOException("path: " + LogSafe.q(source) + " is " + Files.size(source) + " bytes, larger than "
                    + Ota.MAX_APP_FILE_BYTES + " bytes: not an application.yml");
        }
        if (Files.exists(appFile)) {
            Files.move(appFile, oldFile, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.writeString(oldFile, "", StandardCharsets.UTF_8);
        }
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS);
             OutputStream out = Files.newOutputStream(appFile, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            // Bounded again while copying: the file may have grown since it was measured.
            byte[] data = in.readNBytes((int) Ota.MAX_APP_FILE_BYTES + 1);
            if (data.length > Ota.MAX_APP_FILE_BYTES) {
                throw new IOException("path: " + LogSafe.q(source) + " is larger than " + Ota.MAX_APP_FILE_BYTES + " bytes");
            }
            out.write(data);
        } catch (IOException e) {
            Files.move(oldFile, appFile, StandardCopyOption.REPLACE_EXISTING);
            throw e;
        }
    }

    /** Puts the previous application.yml back (logged if it cannot). */
    static void restore(Path oldFile, Path appFile) {
        try {
            Files.move(oldFile, appFile, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.error("cannot restore {} from {}: {}", appFile, oldFile, e.toString());
        }
    }

    /** The app a crashed OTA left as application.yml.old, to roll back to at boot; null if none or unreadable. */
    static AppConfig loadOld(Path oldFile, PathGuard guard) {
        if (!Files.exists(oldFile)) {
            return null;
        }
        try {
            AppConfig old = AppConfigLoader.load(oldFile);
            AppPaths.check(old, guard);
            return old;
        } catch (ConfigException | IllegalArgumentException e) {
            log.warn("ignoring {}: {}", oldFile, LogSafe.q(e.getMessage()));
            return null;
        }
    }
}
