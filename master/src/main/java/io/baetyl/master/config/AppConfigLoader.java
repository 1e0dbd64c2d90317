package io.baetyl.master.config;

import com.fasterxml.jackson.databind.JsonNode;
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
        if (isV0(text)) {
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

    private static boolean isV0(String text) {
        try {
            String rendered;
            try {
                rendered = EnvTemplate.render(text, System.getenv());
            } catch (IllegalArgumentException e) {
                rendered = text;
            }
            JsonNode tree = ConfigLoader.yamlMapper().readTree(rendered);
            return tree != null && tree.path("services").isArray();
        } catch (IOException e) {
            return false; // the real parse reports the YAML error with its position
        }
    }
}
