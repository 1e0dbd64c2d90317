package io.baetyl.sdk.config;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps both config loaders share: reading the file, rendering {@code {{.ENV}}} templates, and running
 * {@link Validated#validate()}. Kept apart from {@link ConfigLoader} so that {@link ServiceConfigLoader} can use
 * them without initializing Jackson.
 */
final class ConfigFiles {
    private static final Logger log = LoggerFactory.getLogger(ConfigFiles.class);

    private ConfigFiles() {
    }

    /** Reads a config file as text; a missing or unreadable file is a {@link ConfigException} naming it. */
    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Renders env templates; a template that cannot be rendered leaves the text as written, as Baetyl does. */
    static String render(String text, String source) {
        try {
            return EnvTemplate.render(text, System.getenv());
        } catch (IllegalArgumentException e) {
            log.warn("{}: {}; using the file without templating", source, e.getMessage());
            return text;
        }
    }

    /** Runs {@link Validated#validate()} and turns its complaint into a {@link ConfigException} naming the source. */
    static void validate(Object value, String source) {
        if (value instanceof Validated v) {
            try {
                v.validate();
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": " + e.getMessage(), e);
            }
        }
    }

    /** A config object with its defaults, from the no-argument constructor (which may be non-public). */
    static <T> T newInstance(Class<T> type) {
        try {
            Constructor<T> c = type.getDeclaredConstructor();
            c.trySetAccessible();
            return c.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("config type " + type.getName() + " needs a no-argument constructor", e);
        }
    }
}
