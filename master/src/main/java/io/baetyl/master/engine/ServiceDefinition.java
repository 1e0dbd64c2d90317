package io.baetyl.master.engine;

import io.baetyl.master.config.ServiceSpec;
import io.baetyl.master.config.VolumeSpec;
import java.util.Map;

/** A service as an engine sees it: its name, its spec, the app's named volumes, and the env every instance gets. */
public record ServiceDefinition(String name, ServiceSpec spec, Map<String, VolumeSpec> volumes, Map<String, String> env) {
}
