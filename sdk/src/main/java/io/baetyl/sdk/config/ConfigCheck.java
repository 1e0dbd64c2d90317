package io.baetyl.sdk.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a module's config file with the module's own rules, for {@code baetyl check}: the master loads this class
 * from the module's installed jar (its own class loader) and calls {@link #check} by reflection, so a file is judged
 * by exactly the code that will read it. Only JDK types cross the boundary.
 */
public final class ConfigCheck {
    private ConfigCheck() {
    }

    /**
     * Parses and validates {@code file} as {@code configClass} (a class of the calling module's jar).
     *
     * @param displayName how the file is named in the messages (the host path the user edits)
     * @return the problems, one line each: errors start with {@code error: }, unknown keys with {@code warning: };
     *         empty when the file is valid
     */
    public static List<String> check(String configClass, String file, String displayName) {
        List<String> out = new ArrayList<>();
        Class<?> type;
        try {
            type = Class.forName(configClass, false, ConfigCheck.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            out.add("error: " + displayName + ": cannot check: the module has no config class " + configClass);
            return out;
        }
        try {
            String text = ConfigFiles.read(Path.of(file));
            ServiceConfigLoader.parse(text, displayName, type, () -> newInstance(type),
                    key -> out.add("warning: " + displayName + ": unknown key '" + key + "' ignored"));
        } catch (ConfigException e) {
            String msg = e.getMessage().replace(file, displayName).replace('\n', ' ');
            out.add("error: " + msg);
        } catch (RuntimeException | LinkageError e) {
            out.add("error: " + displayName + ": cannot check: " + e);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <T> T newInstance(Class<?> type) {
        return (T) ConfigFiles.newInstance(type);
    }
}
