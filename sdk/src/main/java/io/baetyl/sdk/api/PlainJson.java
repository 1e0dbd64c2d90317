package io.baetyl.sdk.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for the master API's small bodies (reports, start/update arguments, inspect and port answers) as plain maps,
 * lists and scalars, on jackson-core's streaming parser and generator. The client lives in every module, and
 * jackson-databind's ObjectMapper would add a few megabytes of classes to each for bodies this simple.
 */
final class PlainJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private PlainJson() {
    }

    /** Maps, collections, arrays, strings, numbers, booleans and null; anything else is written as its text. */
    static byte[] write(Object value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator gen = FACTORY.createGenerator(out)) {
            write(gen, value);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator gen, Object value) throws IOException {
        if (value == null) {
            gen.writeNull();
        } else if (value instanceof Map<?, ?> map) {
            gen.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                gen.writeFieldName(String.valueOf(e.getKey()));
                write(gen, e.getValue());
            }
            gen.writeEndObject();
        } else if (value instanceof Collection<?> items) {
            gen.writeStartArray();
            for (Object item : items) {
                write(gen, item);
            }
            gen.writeEndArray();
        } else if (value instanceof Object[] items) {
            write(gen, List.of(items));
        } else if (value instanceof Boolean b) {
            gen.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte) {
            gen.writeNumber(((Number) value).longValue());
        } else if (value instanceof Number n) {
            gen.writeNumber(n.doubleValue());
        } else {
            gen.writeString(value.toString());
        }
    }

    /** Parses one JSON value: objects become ordered maps, arrays lists, numbers Integer, Long or Double. */
    static Object read(byte[] body) throws IOException {
        try (JsonParser p = FACTORY.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IOException("empty body");
            }
            Object value = read(p);
            if (p.nextToken() != null) {
                throw new IOException("trailing data after the JSON value");
            }
            return value;
        }
    }

    /** A body that must be a JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readObject(byte[] body) throws IOException {
        Object value = read(body);
        if (!(value instanceof Map)) {
            throw new IOException("expected a JSON object");
        }
        return (Map<String, Object>) value;
    }

    private static Object read(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    map.put(name, read(p));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(p));
                }
                return list;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberValue(); // Integer, Long or BigInteger by size, as databind reads them
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected JSON token " + p.currentToken());
        }
    }
}
