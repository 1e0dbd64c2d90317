package io.baetyl.master.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.baetyl.master.security.LogSafe;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.config.ConfigLoader;
import io.baetyl.sdk.config.EnvTemplate;
import java.io.IOException;
import java.nio.file.Path;

/** Reads application.yml in either format: a list under {@code services} means v0, a map means compose. */
public final class AppConfigLoader {
    private AppConfigLoader() {
    }

    public static AppConfig load(Path file) {
        return parse(ConfigLoader.read(file), file.toString());
    }

    public static AppConfig parse(String text, String source) {
        JsonNode tree = tree(text);
        if (tree != null && !tree.isMissingNode() && !tree.isNull() && !tree.isObject()) {
            // Said without quoting the document: the file may be anything (an update names it), and its content
            // must not end up in errors, logs or inspect.
            throw new ConfigException(source + ": not an application config: the document is "
                    + (tree.isArray() ? "a list" : "a single value") + ", not a map of keys such as services and volumes");
        }
        if (tree != null) {
            refuseControlCharactersInKeys(tree, source);
        }
        if (tree != null && tree.path("services").isArray()) {
            AppConfigV0 v0 = ConfigLoader.parse(text, source, AppConfigV0.class, AppConfigV0::new);
            AppConfig app;
            try {
                app = v0.toCompose();
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": " + e.getMessage(), e);
            }
            ConfigLoader.validate(app, source);
            return app;
        }
        return ConfigLoader.parse(text, source, AppConfig.class, AppConfig::new);
    }

    /**
     * Keys end up in warnings (unknown keys) and errors: one holding a line break or another control character
     * could forge a log line, and is never a real key, so the file is refused naming it, escaped.
     */
    private static void refuseControlCharactersInKeys(JsonNode node, String source) {
        if (node.isObject()) {
            for (var it = node.fields(); it.hasNext(); ) {
                var field = it.next();
                if (!LogSafe.q(field.getKey(), Integer.MAX_VALUE).equals(field.getKey())) {
                    throw new ConfigException(source + ": key '" + LogSafe.q(field.getKey())
                            + "' contains a control character");
                }
                refuseControlCharactersInKeys(field.getValue(), source);
            }
        } else if (node.isArray()) {
            node.forEach(n -> refuseControlCharactersInKeys(n, source));
        }
    }

    /** The document as a tree, for a first look at its shape; null when it does not parse. */
    private static JsonNode tree(String text) {
        try {
            String rendered;
            try {
                rendered = EnvTemplate.render(text, System.getenv());
            } catch (IllegalArgumentException e) {
                rendered = text;
            }
            return ConfigLoader.yamlMapper().readTree(rendered);
        } catch (IOException e) {
            return null; // the real parse reports the YAML error with its position
        }
    }
}
