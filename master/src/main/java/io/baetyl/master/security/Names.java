package io.baetyl.master.security;

import java.util.regex.Pattern;

/**
 * Name rules for what the API and application.yml name. Instance names follow the service-name rule, with the dot
 * that replicas ({@code svc.i1}) and function instances ({@code svc.fn.1}) need: they become process names,
 * container names and keys of the stats file, so nothing that could be a path ({@code ..}, {@code /}) or could break
 * a line gets through.
 */
public final class Names {
    /** Service names, as in Baetyl: letters, digits, '_' and '-', starting with a letter or digit, at most 64. */
    public static final Pattern SERVICE = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$");
    /** Instance names: the service-name rule plus '.', at most 255 (Docker's container-name rule, bounded). */
    public static final Pattern INSTANCE = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$");

    private Names() {
    }

    /** @throws IllegalArgumentException naming the rule, with the value escaped */
    public static String requireInstance(String name) {
        if (name == null || !INSTANCE.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid instance name '" + LogSafe.q(name)
                    + "': letters, digits, '_', '-' and '.', starting with a letter or digit, at most 255");
        }
        return name;
    }
}
