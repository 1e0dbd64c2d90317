package io.baetyl.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an APP volume says about the app: {@code version} and {@code volumes[]} from {@code metadata.yml}, or from
 * {@code application.yml} when there is no metadata file, and whether {@code application.yml} has services at all.
 */
record AppMetadata(String version, List<VolumeInfo> volumes) {
    static final String METADATA = "metadata.yml";
    static final String APPLICATION = "application.yml";
    private static final ObjectMapper YAML = new YAMLMapper();

    static AppMetadata read(Path volumeDir) throws IOException {
        Path app = volumeDir.resolve(APPLICATION);
        if (!Files.isRegularFile(app)) {
            throw new IOException("app volume has no " + APPLICATION);
        }
        JsonNode appDoc = parse(app);
        JsonNode services = appDoc.get("services");
        if (services == null || services.isEmpty()) {
            throw new IOException("app config invalid: service list is empty");
        }
        Path metaFile = volumeDir.resolve(METADATA);
        JsonNode meta = Files.isRegularFile(metaFile) ? parse(metaFile) : appDoc;
        List<VolumeInfo> volumes = new ArrayList<>();
        JsonNode vs = meta.get("volumes");
        // A list is the v0 format's (and metadata.yml's); the compose format's map names docker volumes, nothing to fetch.
        if (vs != null && vs.isArray()) {
            for (JsonNode v : vs) {
                VolumeInfo vi = OtaEvent.JSON.treeToValue(v, VolumeInfo.class);
                if (vi.meta == null) {
                    vi.meta = new VolumeInfo.Meta();
                }
                volumes.add(vi);
            }
        }
        JsonNode version = meta.get("version");
        if (meta == appDoc && appDoc.hasNonNull("app_version")) {
            version = appDoc.get("app_version"); // the compose format's own version; "version" is the schema's
        }
        return new AppMetadata(version == null || version.isNull() ? "" : version.asText(), volumes);
    }

    private static JsonNode parse(Path file) throws IOException {
        JsonNode n;
        try {
            n = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file.getFileName() + " of the app volume is not valid YAML: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IOException(file.getFileName() + " of the app volume is not a YAML mapping");
        }
        return n;
    }
}
