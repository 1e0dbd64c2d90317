package io.baetyl.sdk.config;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code {{.ENV_VAR}}} templating Baetyl applies to every YAML file before parsing it (Go text/template with the
 * process environment as data and {@code missingkey=error}).
 */
public final class EnvTemplate {
    private static final Pattern VAR = Pattern.compile("\\{\\{-?\\s*\\.([A-Za-z_][A-Za-z0-9_]*)\\s*-?}}");

    private EnvTemplate() {
    }

    /**
     * Replaces every {@code {{.NAME}}} with the variable's value.
     *
     * @throws IllegalArgumentException naming the first variable that is not set
     */
    public static String render(String text, Map<String, String> env) {
        Matcher m = VAR.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException("template variable " + m.group(1) + " is not set in the environment");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
