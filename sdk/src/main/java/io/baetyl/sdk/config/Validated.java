package io.baetyl.sdk.config;

/**
 * A config object that checks itself after loading. Implementations throw {@link IllegalArgumentException}
 * whose message starts with the key, e.g. {@code "mode: must be native or docker, got 'foo'"};
 * {@link ConfigLoader} prefixes the file name.
 */
public interface Validated {
    void validate();
}
