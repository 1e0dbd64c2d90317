package io.baetyl.master.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One entry of a compose service's {@code volumes:}: the string form {@code src:dst[:ro]} or the map form
 * {@code {type, source, target, read_only}}.
 */
public class ServiceVolume {
    /** volume or bind (or empty). */
    public String type = "";
    public String source = "";
    public String target = "";
    @JsonProperty("read_only")
    public boolean readOnly;
    /**
     * Where the user wrote {@link #source}, for errors: {@code volumes[2].path} for a v0 volume; null for the compose
     * format, whose key is the service's own {@code volumes[j].source}.
     */
    @JsonIgnore
    public String origin;

    public ServiceVolume() {
    }

    public ServiceVolume(String source, String target, boolean readOnly) {
        this.source = source;
        this.target = target;
        this.readOnly = readOnly;
    }

    /** The short string form. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ServiceVolume parse(String text) {
        String[] parts = text.split(":");
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("volume '" + text + "' must be source:target or source:target:ro");
        }
        return new ServiceVolume(parts[0], parts[1], parts.length == 3 && parts[2].equals("ro"));
    }

    /** The key that names this volume's host path in errors, for volume {@code index} of service key {@code serviceKey}. */
    public String keyIn(String serviceKey, int index) {
        return origin != null ? origin : serviceKey + ".volumes[" + index + "].source";
    }

    @Override
    public String toString() {
        return source + ":" + target + (readOnly ? ":ro" : "");
    }
}
