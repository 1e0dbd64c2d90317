package io.baetyl.sdk.config;

/**
 * A configuration file could not be used. The message always names the file and, where known, the key and the
 * bad value, because that is all a user editing YAML by hand has to go on.
 */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
