package io.baetyl.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.regex.Pattern;

/**
 * A volume as the cloud and {@code metadata.yml} describe it: {@code name}, {@code path} (relative to the master's
 * working dir, under {@code var/db/baetyl}) and {@code meta: {url, md5, version}}. The MD5 is base64 of the digest.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class VolumeInfo {
    static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$");

    public String name = "";
    public String path = "";
    public Meta meta = new Meta();

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Meta {
        public String url = "";
        public String md5 = "";
        public String version = "";
    }

    public VolumeInfo() {
    }

    public VolumeInfo(String name, String path, String url, String md5, String version) {
        this.name = name;
        this.path = path;
        this.meta.url = url;
        this.meta.md5 = md5;
        this.meta.version = version;
    }

    @Override
    public String toString() {
        return "volume " + name + " (" + path + ")";
    }
}
