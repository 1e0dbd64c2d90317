package io.baetyl.sdk.config;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads a module's {@code service.yml} into its config class: the same files, rules and error messages as
 * {@link ConfigLoader} (env templating, Go durations and sizes, defaults for absent or empty keys, unknown keys
 * warned with their path, then {@link Validated#validate()}), but bound by {@link FieldBinder} straight from
 * SnakeYAML's node tree instead of through jackson-databind.
 *
 * <p>Why a second loader: loading databind and its YAML module costs a small JVM about 8 MB of resident memory
 * (570 classes of metadata, their symbols and heap), for one read of a file at start. The hub's idle footprint is
 * a target (docs/PERFORMANCE.md), and every Java module on a device pays it. The master's own files (compose
 * syntax with short forms, custom creators) keep using {@link ConfigLoader}.
 */
public final class ServiceConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ServiceConfigLoader.class);

    private ServiceConfigLoader() {
    }

    /**
     * Loads a file that must exist. Errors name it as the user finds it on the host: a native service reads
     * {@code etc/baetyl/service.yml} through the master's symlink, so they say
     * {@code etc/baetyl/service.yml (host file /usr/local/var/db/baetyl/localhub-conf/service.yml): ...}.
     */
    public static <T> T load(Path file, Class<T> type) {
        String source = HostPaths.describe(file);
        String text;
        try {
            text = ConfigFiles.read(file);
        } catch (ConfigException e) {
            throw new ConfigException(e.getMessage().replaceFirst(java.util.regex.Pattern.quote(file.toString()),
                    java.util.regex.Matcher.quoteReplacement(source)), e.getCause());
        }
        return parse(text, source, type, () -> ConfigFiles.newInstance(type));
    }

    /**
     * Parses YAML text. {@code source} names the text in errors; {@code empty} gives the defaults, into which the
     * document is read.
     */
    public static <T> T parse(String text, String source, Class<T> type, Supplier<T> empty) {
        return parse(text, source, type, empty, key -> log.warn("{}: unknown key '{}' ignored", source, key));
    }

    /** {@link #parse(String, String, Class, Supplier)} handing each unknown key (with its path) to {@code unknown}. */
    public static <T> T parse(String text, String source, Class<T> type, Supplier<T> empty,
                              java.util.function.Consumer<String> unknown) {
        LoaderOptions options = options();
        FieldBinder binder = new FieldBinder(options);
        T value = bind(ConfigFiles.render(text, source), source, empty.get(), options, binder);
        binder.unknownKeys().forEach(unknown);
        ConfigFiles.validate(value, source);
        return value;
    }

    /** For tests and tools: the keys a document would warn about. */
    static List<String> unknownKeys(String yaml, Class<?> type) {
        LoaderOptions options = options();
        FieldBinder binder = new FieldBinder(options);
        bind(yaml, "test", ConfigFiles.newInstance(type), options, binder);
        return binder.unknownKeys();
    }

    private static <T> T bind(String text, String source, T defaults, LoaderOptions options, FieldBinder binder) {
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            throw new ConfigException(source + ": invalid YAML: " + YamlErrors.describe(e, text), e);
        } catch (YAMLException e) {
            throw new ConfigException(source + ": invalid YAML: " + e.getMessage(), e);
        }
        if (root == null || (root instanceof ScalarNode && root.getTag().equals(Tag.NULL))) {
            return defaults; // empty document, or only comments: all defaults
        }
        try {
            return binder.bindInto(root, defaults);
        } catch (FieldBinder.BindException e) {
            throw new ConfigException(source + ": " + (e.path.isEmpty() ? "" : e.path + ": ") + e.getMessage(), e);
        }
    }

    private static LoaderOptions options() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return options;
    }
}
