package io.baetyl.master.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The v0 list format of application.yml that the Baetyl 1.x docs use ({@code services: [- name: ...]},
 * {@code volumes: [- name, path]}, {@code mounts}). It is only read, then converted to {@link AppConfig}.
 */
public class AppConfigV0 {
    public String version = "";
    public List<Service> services = new ArrayList<>();
    public List<Volume> volumes = new ArrayList<>();
    public LinkedHashMap<String, NetworkSpec> networks = new LinkedHashMap<>();

    public static class Service {
        public String name = "";
        public String image = "";
        public int replica;
        public List<Mount> mounts = new ArrayList<>();
        @JsonProperty("network_mode")
        public String networkMode = "";
        public com.fasterxml.jackson.databind.JsonNode networks;
        public List<String> ports = new ArrayList<>();
        public List<String> devices = new ArrayList<>();
        public List<String> args = new ArrayList<>();
        public Map<String, String> env = new LinkedHashMap<>();
        public RestartPolicy restart = new RestartPolicy();
        public Resources resources = new Resources();
        public String runtime = "";
    }

    public static class Mount {
        public String name = "";
        public String path = "";
        public boolean readonly;
    }

    public static class Volume {
        public String name = "";
        public String path = "";
        public Meta meta = new Meta();
    }

    /** Where the agent downloads a volume from; kept for the agent, unused by the master. */
    public static class Meta {
        public String url = "";
        public String md5 = "";
        public String version = "";
    }

    /**
     * Converts to the compose shape the way Baetyl does: each service depends on the one before it (so list order
     * is start order), each mount becomes a bind of the volume's path at {@code /<mount path>}.
     *
     * @throws IllegalArgumentException for duplicate names, bad volumes or a mount of an unknown volume
     */
    public AppConfig toCompose() {
        Map<String, Volume> vols = new LinkedHashMap<>();
        for (int i = 0; i < volumes.size(); i++) {
            Volume v = volumes.get(i);
            String key = "volumes[" + i + "]";
            if (!ServiceSpec.NAME.matcher(v.name).matches()) {
                throw new IllegalArgumentException(key + ".name: invalid volume name '" + v.name + "'");
            }
            if (v.path == null || v.path.isBlank()) {
                throw new IllegalArgumentException(key + ".path: is required (volume '" + v.name + "')");
            }
            io.baetyl.master.security.PathGuard.relative(key + ".path", v.path);
            if (vols.put(v.name, v) != null) {
                throw new IllegalArgumentException(key + ".name: duplicate volume name '" + v.name + "'");
            }
        }
        AppConfig app = new AppConfig();
        app.version = version;
        app.appVersion = version;
        app.networks = networks;
        Set<String> seen = new HashSet<>();
        String previous = null;
        for (int i = 0; i < services.size(); i++) {
            Service s = services.get(i);
            String key = "services[" + i + "]";
            if (s == null) {
                throw new IllegalArgumentException(key + ": is empty");
            }
            if (!ServiceSpec.NAME.matcher(s.name).matches()) {
                throw new IllegalArgumentException(key + ".name: invalid service name '" + s.name
                        + "' (letters, digits, '_' and '-', starting with a letter or digit, at most 64)");
            }
            if (!seen.add(s.name)) {
                throw new IllegalArgumentException(key + ".name: duplicate service name '" + s.name + "'");
            }
            ServiceSpec spec = new ServiceSpec();
            spec.origin = key;
            spec.image = s.image;
            spec.replica = s.replica;
            spec.networkMode = s.networkMode;
            if (s.networks != null) {
                spec.setNetworks(s.networks);
            }
            spec.ports = s.ports;
            spec.devices = s.devices;
            spec.command = s.args;
            spec.environment = s.env;
            spec.restart = s.restart;
            spec.resources = s.resources;
            spec.runtime = s.runtime;
            for (int j = 0; j < s.mounts.size(); j++) {
                Mount m = s.mounts.get(j);
                Volume v = vols.get(m.name);
                if (v == null) {
                    throw new IllegalArgumentException(key + ".mounts[" + j + "].name: volume '" + m.name
                            + "' of service '" + s.name + "' is not defined under volumes");
                }
                ServiceVolume sv = new ServiceVolume(v.path, "/" + stripSlashes(m.path), m.readonly);
                sv.origin = "volumes[" + volumes.indexOf(v) + "].path";
                spec.volumes.add(sv);
            }
            if (previous != null) {
                spec.dependsOn.add(previous);
            }
            app.services.put(s.name, spec);
            previous = s.name;
        }
        return app;
    }

    private static String stripSlashes(String p) {
        String s = p;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        return s;
    }
}
