package io.baetyl.sdk.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Binds a SnakeYAML node tree into a config object made of public fields, with the rules of {@link ConfigLoader}
 * and of Go's yaml.v2 that Baetyl configs rely on:
 * <ul>
 *   <li>a key that is absent or empty ({@code key:}) keeps the field's default; a nested block is read into the
 *       default object, so keys it does not mention keep their defaults too;</li>
 *   <li>a string field takes the text as written ({@code yes} stays "yes", {@code 0777} stays "0777");</li>
 *   <li>durations in Go syntax ({@code 1m30s}, or a bare integer of nanoseconds), sizes like {@code 32k};</li>
 *   <li>a single value where a list is expected is a list of one;</li>
 *   <li>unknown keys are collected with their path instead of failing; duplicate keys are errors;</li>
 *   <li>{@code @JsonProperty} renames a field, {@code @JsonIgnore} skips it, and
 *       {@code @JsonIgnoreProperties(ignoreUnknown = true)} accepts any other key silently.</li>
 * </ul>
 * Only the annotation types of Jackson are used (a tiny jar); none of jackson-databind is loaded.
 */
final class FieldBinder {
    /** A value that cannot be bound; {@code path} is the key path with list indexes, e.g. {@code remotes[0].port}. */
    static final class BindException extends RuntimeException {
        final String path;

        BindException(String path, String message, Node node) {
            super(message + at(node));
            this.path = path;
        }

        private static String at(Node node) {
            Mark mark = node == null ? null : node.getStartMark();
            return mark == null ? "" : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
        }
    }

    /** Where a node sits: the key path with list indexes ({@code services[3].replicas}), for errors and warnings. */
    private record Where(String path) {
        static final Where ROOT = new Where("");

        Where key(String name) {
            return new Where(path.isEmpty() ? name : path + "." + name);
        }

        Where index(int i) {
            return new Where(path + "[" + i + "]");
        }
    }

    /**
     * SnakeYAML's own construction, for values whose Java type is {@code Object} (plain maps, lists, scalars), except
     * that timestamps stay text, as yaml.v2 decodes them into an interface{} (and as Jackson read them).
     */
    private static final class PlainConstructor extends SafeConstructor {
        PlainConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(Tag.TIMESTAMP, new ConstructYamlStr());
        }

        Object plain(Node node) {
            return constructObject(node);
        }
    }

    private final PlainConstructor plain;
    private final List<String> unknownKeys = new ArrayList<>();

    FieldBinder(LoaderOptions options) {
        this.plain = new PlainConstructor(options);
    }

    /** Keys of the document that no field took, with their paths, in document order. */
    List<String> unknownKeys() {
        return unknownKeys;
    }

    /** Reads a top-level mapping into {@code target} and returns it. */
    <T> T bindInto(Node root, T target) {
        bindObject(root, target, Where.ROOT);
        return target;
    }

    private Object bind(Node node, Type type, Object current, Where where) {
        Class<?> raw = rawClass(type);
        if (raw == Object.class) {
            return plainValue(node, where);
        }
        if (raw == String.class) {
            return scalar(node, "a string", where).getValue();
        }
        if (raw == int.class || raw == Integer.class) {
            return (int) integer(node, Integer.MIN_VALUE, Integer.MAX_VALUE, "an int", where);
        }
        if (raw == long.class || raw == Long.class) {
            return integer(node, Long.MIN_VALUE, Long.MAX_VALUE, "a long", where);
        }
        if (raw == short.class || raw == Short.class) {
            return (short) integer(node, Short.MIN_VALUE, Short.MAX_VALUE, "a short", where);
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return bool(node, where);
        }
        if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
            double d = decimal(node, where);
            return raw == float.class || raw == Float.class ? (Object) (float) d : (Object) d;
        }
        if (raw == Duration.class) {
            ScalarNode s = scalar(node, "a duration", where);
            // Go reads a bare integer as nanoseconds
            if (s.getTag().equals(Tag.INT)) {
                return Duration.ofNanos(integer(s, Long.MIN_VALUE, Long.MAX_VALUE, "a duration", where));
            }
            return parsed(() -> GoDuration.parse(s.getValue()), s, where);
        }
        if (raw == ByteSize.class) {
            ScalarNode s = scalar(node, "a size", where);
            return s.getTag().equals(Tag.INT) ? ByteSize.ofBytes(integer(s, 0, Long.MAX_VALUE, "a size", where))
                    : parsed(() -> ByteSize.parse(s.getValue()), s, where);
        }
        if (raw.isEnum()) {
            return enumValue(raw, scalar(node, "one of " + Arrays.toString(raw.getEnumConstants()), where), where);
        }
        if (Collection.class.isAssignableFrom(raw)) {
            return collection(node, raw, typeArgument(type, 0), where);
        }
        if (Map.class.isAssignableFrom(raw)) {
            return map(node, typeArgument(type, 1), where);
        }
        if (raw.isArray() || raw.isPrimitive() || raw.isInterface() || Modifier.isAbstract(raw.getModifiers())) {
            throw new BindException(where.path, "unsupported config type " + raw.getName(), node);
        }
        Object target = current != null ? current : newInstance(raw, where, node);
        bindObject(node, target, where);
        return target;
    }

    private void bindObject(Node node, Object target, Where where) {
        if (!(node instanceof MappingNode mapping)) {
            throw new BindException(where.path, "expected a mapping of keys, got " + describe(node), node);
        }
        Class<?> type = target.getClass();
        JsonIgnoreProperties ignore = type.getAnnotation(JsonIgnoreProperties.class);
        Set<String> ignored = ignore == null ? Set.of() : new HashSet<>(Arrays.asList(ignore.value()));
        Map<String, Field> fields = fieldsOf(type);
        Set<String> seen = new HashSet<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (keyNode.getTag().equals(Tag.MERGE)) {
                mergeInto(tuple.getValueNode(), target, where); // `<<: *defaults`, which yaml.v2 supports
                continue;
            }
            String key = scalar(keyNode, "a key", where).getValue();
            if (!seen.add(key)) {
                throw new BindException(where.key(key).path, "duplicate key '" + key + "'", keyNode);
            }
            Field field = fields.get(key);
            if (field == null) {
                if (!(ignore != null && ignore.ignoreUnknown()) && !ignored.contains(key)) {
                    unknownKeys.add(where.key(key).path);
                }
                continue;
            }
            Node valueNode = tuple.getValueNode();
            if (isNull(valueNode)) {
                continue; // empty keeps the default
            }
            try {
                Object current = field.get(target);
                field.set(target, bind(valueNode, field.getGenericType(), current, where.key(key)));
            } catch (IllegalAccessException e) {
                throw new BindException(where.key(key).path, "cannot set field: " + e.getMessage(), valueNode);
            }
        }
    }

    private void mergeInto(Node merged, Object target, Where where) {
        if (merged instanceof SequenceNode seq) {
            for (Node each : seq.getValue()) {
                bindObject(each, target, where);
            }
        } else {
            bindObject(merged, target, where);
        }
    }

    private Collection<Object> collection(Node node, Class<?> raw, Type elementType, Where where) {
        Collection<Object> out = Set.class.isAssignableFrom(raw) ? new LinkedHashSet<>() : new ArrayList<>();
        if (node instanceof SequenceNode seq) {
            List<Node> items = seq.getValue();
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                out.add(isNull(item) ? null : bind(item, elementType, null, where.index(i)));
            }
        } else if (node instanceof ScalarNode) {
            out.add(bind(node, elementType, null, where.index(0))); // one value where a list is expected
        } else {
            throw new BindException(where.path, "expected a list, got " + describe(node), node);
        }
        return out;
    }

    private Map<String, Object> map(Node node, Type valueType, Where where) {
        if (!(node instanceof MappingNode mapping)) {
            throw new BindException(where.path, "expected a mapping, got " + describe(node), node);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = scalar(tuple.getKeyNode(), "a key", where).getValue();
            if (out.containsKey(key)) {
                throw new BindException(where.key(key).path, "duplicate key '" + key + "'", tuple.getKeyNode());
            }
            Node value = tuple.getValueNode();
            out.put(key, isNull(value) ? null : bind(value, valueType, null, where.key(key)));
        }
        return out;
    }

    private Object plainValue(Node node, Where where) {
        try {
            return plain.plain(node);
        } catch (RuntimeException e) {
            throw new BindException(where.path, e.getMessage().replace("\n", " "), node);
        }
    }

    private long integer(Node node, long min, long max, String what, Where where) {
        ScalarNode s = scalar(node, what, where);
        long value;
        if (s.getTag().equals(Tag.INT)) {
            Object n = plain.plain(s); // YAML forms: 0x1f, 0o17, 1_000
            if (n instanceof BigInteger) {
                throw new BindException(where.path, "number out of range: " + s.getValue(), s);
            }
            value = ((Number) n).longValue();
        } else {
            try {
                value = Long.parseLong(s.getValue().trim()); // a quoted number, as Jackson coerces it
            } catch (NumberFormatException e) {
                throw new BindException(where.path, "expected " + what + ", got \"" + s.getValue() + "\"", s);
            }
        }
        if (value < min || value > max) {
            throw new BindException(where.path, "number out of range for " + what + ": " + s.getValue(), s);
        }
        return value;
    }

    private boolean bool(Node node, Where where) {
        ScalarNode s = scalar(node, "a boolean", where);
        switch (s.getValue().trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "y", "on":
                return true;
            case "false", "no", "n", "off":
                return false;
            default:
                throw new BindException(where.path, "expected true or false, got \"" + s.getValue() + "\"", s);
        }
    }

    private double decimal(Node node, Where where) {
        ScalarNode s = scalar(node, "a number", where);
        try {
            return Double.parseDouble(s.getValue().trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new BindException(where.path, "expected a number, got \"" + s.getValue() + "\"", s);
        }
    }

    private static Object enumValue(Class<?> type, ScalarNode s, Where where) {
        for (Object constant : type.getEnumConstants()) {
            if (((Enum<?>) constant).name().equalsIgnoreCase(s.getValue().trim())) {
                return constant;
            }
        }
        throw new BindException(where.path, "expected one of " + Arrays.toString(type.getEnumConstants())
                + ", got \"" + s.getValue() + "\"", s);
    }

    private static Object parsed(java.util.function.Supplier<Object> parse, ScalarNode s, Where where) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new BindException(where.path, e.getMessage(), s);
        }
    }

    private static ScalarNode scalar(Node node, String what, Where where) {
        if (node instanceof ScalarNode s) {
            return s;
        }
        throw new BindException(where.path, "expected " + what + ", got " + describe(node), node);
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
    }

    private static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "\"" + ((ScalarNode) node).getValue() + "\"";
    }

    /** Public instance fields by their YAML name, superclasses included. */
    private static Map<String, Field> fieldsOf(Class<?> type) {
        Map<String, Field> fields = new LinkedHashMap<>();
        for (Field f : type.getFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) || Modifier.isFinal(mod) || Modifier.isTransient(mod)
                    || f.isAnnotationPresent(JsonIgnore.class)) {
                continue;
            }
            JsonProperty renamed = f.getAnnotation(JsonProperty.class);
            String name = renamed != null && !renamed.value().isEmpty() ? renamed.value() : f.getName();
            f.trySetAccessible(); // public fields of a non-public class (tests, nested helpers)
            fields.putIfAbsent(name, f);
        }
        return fields;
    }

    private static Object newInstance(Class<?> type, Where where, Node node) {
        try {
            return ConfigFiles.newInstance(type);
        } catch (IllegalStateException e) {
            throw new BindException(where.path, e.getMessage(), node);
        }
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        if (type instanceof WildcardType w) {
            return rawClass(w.getUpperBounds()[0]);
        }
        return Object.class; // type variables: bind as plain values
    }

    private static Type typeArgument(Type type, int index) {
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length > index) {
            return p.getActualTypeArguments()[index];
        }
        return Object.class;
    }
}
