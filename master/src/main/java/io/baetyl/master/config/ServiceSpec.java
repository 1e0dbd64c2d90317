package io.baetyl.master.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A service of the application, in the compose shape (the v0 list format is converted into this). Engines read
 * only this class.
 */
public class ServiceSpec {
    public static final Pattern NAME = io.baetyl.master.security.Names.SERVICE;

    @JsonProperty("container_name")
    public String containerName = "";
    public String hostname = "";
    public String image = "";
    /** Instances started by the master; 0 for function runtimes, which the function manager starts. */
    public int replica;
    public List<ServiceVolume> volumes = new ArrayList<>();
    @JsonProperty("network_mode")
    public String networkMode = "";
    /** Network name to {aliases, ipv4_address}; a plain list of names is accepted too. */
    public Map<String, ServiceNetwork> networks = new LinkedHashMap<>();
    public List<String> ports = new ArrayList<>();
    public List<String> devices = new ArrayList<>();
    @JsonProperty("depends_on")
    public List<String> dependsOn = new ArrayList<>();
    /** Arguments after argv[0]. A string is split on spaces, as in Baetyl. */
    @JsonDeserialize(using = Command.class)
    public List<String> command = new ArrayList<>();
    /** A map, or a list of KEY=VALUE. */
    @JsonDeserialize(using = Environment.class)
    public Map<String, String> environment = new LinkedHashMap<>();
    public RestartPolicy restart = new RestartPolicy();
    public Resources resources = new Resources();
    public String runtime = "";
    /**
     * Where the user wrote this service, for errors: {@code services[3]} in a v0 file (a list); null for the compose
     * format, whose key is {@code services.<name>}.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String origin;

    /** The key of this service in errors: {@code services[3]} (v0) or {@code services.<name>} (compose). */
    public String keyIn(String name) {
        return origin != null ? origin : "services." + name;
    }

    public static class ServiceNetwork {
        public List<String> aliases = new ArrayList<>();
        @JsonProperty("ipv4_address")
        public String ipv4Address = "";
    }

    @JsonSetter("networks")
    void setNetworks(JsonNode node) {
        networks = new LinkedHashMap<>();
        if (node.isArray()) {
            node.forEach(n -> networks.put(n.asText(), new ServiceNetwork()));
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                ServiceNetwork net = e.getValue().isNull() ? new ServiceNetwork()
                        : io.baetyl.sdk.config.ConfigLoader.convert(e.getValue(), ServiceNetwork.class);
                networks.put(e.getKey(), net);
            }
        } else if (!node.isNull()) {
            throw new IllegalArgumentException("networks must be a list of names or a map");
        }
    }

    /** {@code command}: a string split on spaces (as Baetyl does) or a list. Values are kept as written. */
    static final class Command extends JsonDeserializer<List<String>> {
        @Override
        public List<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            List<String> out = new ArrayList<>();
            if (p.currentToken() == JsonToken.START_ARRAY) {
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    out.add(p.getText());
                }
            } else if (p.currentToken().isScalarValue()) {
                out.addAll(Arrays.asList(p.getText().split(" ")));
            } else {
                throw new IllegalArgumentException("must be a string or a list of strings");
            }
            return out;
        }
    }

    /** {@code environment}: a map or a list of KEY=VALUE; values as written ({@code yes} stays "yes"). */
    static final class Environment extends JsonDeserializer<Map<String, String>> {
        @Override
        public Map<String, String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            Map<String, String> out = new LinkedHashMap<>();
            if (p.currentToken() == JsonToken.START_ARRAY) {
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    String[] kv = p.getText().split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("entry '" + p.getText() + "' must be KEY=VALUE");
                    }
                    out.put(kv[0], kv[1]);
                }
            } else if (p.currentToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    out.put(key, p.currentToken() == JsonToken.VALUE_NULL ? "" : p.getText());
                }
            } else {
                throw new IllegalArgumentException("must be a map or a list of KEY=VALUE");
            }
            return out;
        }
    }

    /** Checks one service; {@code key} is how the service is addressed in error messages. */
    void validate(String key) {
        if (image == null || image.isBlank()) {
            throw new IllegalArgumentException(key + ".image: is required");
        }
        // In native mode the image names a package dir under lib/baetyl: it must not climb out of it.
        String pkg = image.trim().replace(':', '/');
        if (pkg.startsWith("/") || java.util.Arrays.asList(pkg.split("/")).contains("..") || pkg.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(key + ".image: '" + io.baetyl.master.security.LogSafe.q(image)
                    + "' must be an image or package name, not a path leading outside lib/baetyl");
        }
        if (replica < 0) {
            throw new IllegalArgumentException(key + ".replica: must not be negative, got " + replica);
        }
        if (!networkMode.isEmpty() && !networkMode.matches("bridge|host|none")) {
            throw new IllegalArgumentException(key + ".network_mode: must be bridge, host or none, got '" + networkMode + "'");
        }
        for (int i = 0; i < volumes.size(); i++) {
            ServiceVolume v = volumes.get(i);
            if (!v.type.isEmpty() && !v.type.equals("volume") && !v.type.equals("bind")) {
                throw new IllegalArgumentException(key + ".volumes[" + i + "].type: must be volume or bind, got '" + v.type + "'");
            }
            if (v.target.isBlank()) {
                throw new IllegalArgumentException(key + ".volumes[" + i + "].target: is required");
            }
            if (java.nio.file.Path.of("/").resolve(v.target).normalize().getNameCount() == 0) {
                throw new IllegalArgumentException(key + ".volumes[" + i + "].target: '"
                        + io.baetyl.master.security.LogSafe.q(v.target) + "' must name a directory, not the root");
            }
        }
        restart.validate(key + ".restart");
    }
}
