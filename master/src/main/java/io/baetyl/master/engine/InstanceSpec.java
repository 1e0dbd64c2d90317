package io.baetyl.master.engine;

import java.util.Map;

/** One instance to start: its service, its name ({@code svc}, {@code svc.i1}, or a dynamic name) and full env. */
public record InstanceSpec(ServiceDefinition service, String name, Map<String, String> env) {
}
