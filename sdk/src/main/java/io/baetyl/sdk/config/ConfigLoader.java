package io.baetyl.sdk.config;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads Baetyl YAML files into typed config objects: env templating, Go durations and Docker sizes, defaults from
 * field initializers (a key that is absent or empty keeps its default), unknown keys reported as warnings, then
 * {@link Validated#validate()}. Every error names the file and the key.
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    private static final ObjectMapper YAML = newYamlMapper();

    private ConfigLoader() {
    }

    /** The YAML mapper every module uses, with Baetyl's value types registered. */
    public static ObjectMapper yamlMapper() {
        return YAML;
    }

    private static ObjectMapper newYamlMapper() {
        YAMLMapper mapper = YAMLMapper.builder()
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        mapper.setDefaultSetterInfo(JsonSetter.Value.forValueNulls(Nulls.SKIP));
        mapper.registerModule(baetylTypes());
        return mapper;
    }

    /** Jackson module for the value types Go configs use: durations like {@code 30s} and sizes like {@code 32k}. */
    public static SimpleModule baetylTypes() {
        SimpleModule module = new SimpleModule("baetyl-types");
        module.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                    return Duration.ofNanos(p.getLongValue()); // Go reads a bare integer as nanoseconds
                }
                return GoDuration.parse(p.getValueAsString());
            }
        });
        // YAML 1.1 reads yes/no/on/off as booleans; for a string field keep what the user wrote, as Go's yaml does
        // (so `policy: no` is "no" and `FLAG: yes` is "yes", not "false" and "true").
        module.addDeserializer(String.class, new JsonDeserializer<>() {
            @Override
            public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                if (p.currentToken().isScalarValue()) {
                    return p.getText();
                }
                return (String) ctxt.handleUnexpectedToken(String.class, p);
            }
        });
        module.addDeserializer(ByteSize.class, new JsonDeserializer<>() {
            @Override
            public ByteSize deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                    return ByteSize.ofBytes(p.getLongValue());
                }
                return ByteSize.parse(p.getValueAsString());
            }
        });
        // Written back the way users write them, so config objects can be compared and logged as trees.
        module.addSerializer(Duration.class, new JsonSerializer<>() {
            @Override
            public void serialize(Duration value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(GoDuration.format(value));
            }
        });
        module.addSerializer(ByteSize.class, new JsonSerializer<>() {
            @Override
            public void serialize(ByteSize value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeNumber(value.bytes());
            }
        });
        return module;
    }

    /** Loads a file that must exist. */
    public static <T> T load(Path file, Class<T> type) {
        return parse(read(file), file.toString(), type, () -> ConfigFiles.newInstance(type));
    }

    /** Reads a config file as text; a missing or unreadable file is a {@link ConfigException} naming it. */
    public static String read(Path file) {
        return ConfigFiles.read(file);
    }

    /** Loads a file, or returns the defaults (validated) when the file does not exist. */
    public static <T> T loadOrDefault(Path file, Class<T> type) {
        if (!Files.exists(file)) {
            log.info("config file {} not found, using defaults", file);
            return parse("", file.toString(), type, () -> ConfigFiles.newInstance(type));
        }
        return load(file, type);
    }

    /**
     * Parses YAML text. {@code source} names the text in errors; {@code empty} gives the value of an empty document.
     */
    public static <T> T parse(String text, String source, Class<T> type, Supplier<T> empty) {
        String rendered = ConfigFiles.render(text, source);
        UnknownKeys unknown = new UnknownKeys();
        T value;
        try {
            // Parse the tree first: an empty document (or only comments) then simply means "all defaults".
            JsonNode tree = YAML.readTree(rendered);
            // The typed read goes over the text again, not the tree: the tree has already turned `yes` into true.
            value = tree == null || tree.isMissingNode() || tree.isNull()
                    ? null : YAML.readerFor(type).withHandler(unknown).readValue(rendered);
        } catch (JsonParseException e) {
            throw new ConfigException(source + ": invalid YAML: " + describeParseError(e, rendered), e);
        } catch (JsonMappingException e) {
            throw new ConfigException(source + ": " + describe(e), e);
        } catch (IOException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
        if (value == null) {
            value = empty.get();
        }
        for (String key : unknown.keys) {
            log.warn("{}: unknown key '{}' ignored", source, key);
        }
        validate(value, source);
        return value;
    }

    /** Runs {@link Validated#validate()} and turns its complaint into a {@link ConfigException} naming the source. */
    public static void validate(Object value, String source) {
        ConfigFiles.validate(value, source);
    }

    /** Converts an already-parsed tree (for example a map from JSON) into a config type. */
    public static <T> T convert(Object tree, Class<T> type) {
        return YAML.convertValue(tree, type);
    }

    /** Renders a config value as YAML, for logs and persisted state. */
    public static String toYaml(Object value) {
        try {
            return YAML.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String describe(JsonMappingException e) {
        String path = path(e.getPath());
        Throwable cause = e.getCause();
        String why = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
        if (why != null) {
            why = why.replace("\n", " ");
            int cut = why.indexOf(" at [Source");
            if (cut > 0) {
                why = why.substring(0, cut);
            }
        }
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            why = why + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return path.isEmpty() ? why : path + ": " + why;
    }

    private static String describeParseError(JsonParseException e, String text) {
        // jackson-dataformat-yaml wraps SnakeYAML's error, which holds the whole story (problem, context, marks)
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked) {
                return YamlErrors.describe(marked, text);
            }
        }
        String msg = e.getOriginalMessage();
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            return "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": "
                    + firstLine(msg);
        }
        return firstLine(msg);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** Collects unknown keys with their full path instead of failing: old configs often carry keys we ignore. */
    private static final class UnknownKeys extends DeserializationProblemHandler {
        final List<String> keys = new ArrayList<>();

        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
                                             Object beanOrClass, String propertyName) throws IOException {
            // the path with list indexes, e.g. services[3].replicas
            List<Object> segments = new ArrayList<>(); // names and indexes, innermost first
            segments.add(propertyName);
            for (JsonStreamContext c = p.getParsingContext().getParent(); c != null && !c.inRoot(); c = c.getParent()) {
                if (c.inArray()) {
                    segments.add(Math.max(0, c.getCurrentIndex()));
                } else if (c.inObject() && c.getCurrentName() != null) {
                    segments.add(c.getCurrentName());
                }
            }
            StringBuilder path = new StringBuilder();
            for (int i = segments.size() - 1; i >= 0; i--) {
                Object s = segments.get(i);
                if (s instanceof Integer index) {
                    path.append('[').append(index).append(']');
                } else {
                    path.append(path.length() == 0 ? "" : ".").append(s);
                }
            }
            keys.add(path.toString());
            p.skipChildren();
            return true;
        }
    }

    /** For tests and tools: the keys a document would warn about. */
    static List<String> unknownKeys(String yaml, Class<?> type) throws IOException {
        UnknownKeys unknown = new UnknownKeys();
        YAML.readerFor(type).withHandler(unknown).readValue(yaml);
        return unknown.keys;
    }
}
