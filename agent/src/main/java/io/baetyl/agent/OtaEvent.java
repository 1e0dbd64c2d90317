package io.baetyl.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * An OTA order from the cloud's desire topic: {@code {"time", "event": "OTA", "content": {type: APP|MST, trace,
 * version, volume: {name, path, meta: {url, md5, version}}}}}. The deprecated {@code UPDATE} event
 * ({@code content: {trace, version, config: <volume>}}) is read as an APP OTA, as the original converted it.
 */
public record OtaEvent(String type, String trace, String version, VolumeInfo volume) {
    public static final String APP = "APP";
    public static final String MST = "MST";

    /** Field names match case-insensitively and unknown fields are ignored, as Go's encoding/json does. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** A desire message that is not an OTA order; the message says why, in the original's words where it had them. */
    public static final class InvalidEvent extends Exception {
        InvalidEvent(String message) {
            super(message);
        }
    }

    /** Parses a desire message. */
    public static OtaEvent parse(byte[] payload) throws InvalidEvent {
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidEvent("event invalid: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidEvent("event invalid: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEvent("event invalid: not a JSON object");
        }
        String event = text(field(root, "event"));
        JsonNode content = field(root, "content");
        if (!"OTA".equals(event) && !"UPDATE".equals(event)) {
            throw new InvalidEvent("event type (" + event + ") unexpected");
        }
        if (content == null || !content.isObject()) {
            throw new InvalidEvent("event content invalid: missing content object");
        }
        try {
            if ("UPDATE".equals(event)) {
                VolumeInfo v = volume(field(content, "config"));
                return checked(new OtaEvent(APP, text(field(content, "trace")), text(field(content, "version")), v));
            }
            String type = text(field(content, "type"));
            return checked(new OtaEvent(type.isEmpty() ? APP : type, text(field(content, "trace")),
                    text(field(content, "version")), volume(field(content, "volume"))));
        } catch (IOException e) {
            throw new InvalidEvent("event content invalid: " + e.getMessage());
        }
    }

    private static OtaEvent checked(OtaEvent e) throws InvalidEvent {
        if (!APP.equals(e.type) && !MST.equals(e.type)) {
            throw new InvalidEvent("event content invalid: type (" + e.type + ") must be APP or MST");
        }
        return e;
    }

    private static VolumeInfo volume(JsonNode node) throws IOException {
        if (node == null || node.isNull()) {
            return new VolumeInfo();
        }
        VolumeInfo v = JSON.treeToValue(node, VolumeInfo.class);
        if (v.meta == null) {
            v.meta = new VolumeInfo.Meta();
        }
        return v;
    }

    /** A member by name, ignoring case like Go. */
    private static JsonNode field(JsonNode obj, String name) {
        JsonNode exact = obj.get(name);
        if (exact != null) {
            return exact;
        }
        for (var it = obj.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? "" : n.asText();
    }
}
