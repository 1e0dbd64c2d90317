package io.baetyl.master.runtime;

import io.baetyl.master.inspect.HostStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the inspect document: software, hardware, services with their instances, volumes. */
final class Inspector {
    private final Master master;

    Inspector(Master master) {
        this.master = master;
    }

    Map<String, Object> inspect() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("time", Instant.now().toString());
        String error = master.ota().lastError();
        if (!error.isEmpty()) {
            doc.put("error", error);
        }
        doc.put("software", software());
        doc.put("hardware", HostStats.collect(master.workDir()));
        List<Map<String, Object>> services = new ArrayList<>();
        master.services().all().stream()
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .forEach(s -> {
                    Map<String, Object> svc = new LinkedHashMap<>();
                    svc.put("name", s.name());
                    svc.put("instances", s.instanceStats());
                    services.add(svc);
                });
        doc.put("services", services);
        doc.put("volumes", List.of());
        return doc;
    }

    private Map<String, Object> software() {
        Map<String, Object> sw = new LinkedHashMap<>();
        sw.put("os", "linux");
        sw.put("arch", arch());
        sw.put("pwd", master.workDir().toString());
        sw.put("mode", master.config().mode);
        sw.put("java_version", System.getProperty("java.version"));
        sw.put("bin_version", Version.VERSION);
        sw.put("git_revision", Version.REVISION);
        sw.put("conf_version", master.ota().confVersion());
        return sw;
    }

    /** GOARCH names, which is what Baetyl reports. */
    static String arch() {
        String a = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> a;
        };
    }
}
