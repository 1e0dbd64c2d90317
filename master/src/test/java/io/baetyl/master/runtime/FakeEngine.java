package io.baetyl.master.runtime;

import io.baetyl.master.config.AppConfig;
import io.baetyl.master.engine.Engine;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.engine.Instance;
import io.baetyl.master.engine.InstanceSpec;
import io.baetyl.master.engine.ServiceDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An engine without processes: every call is recorded as an event ("start svc.i1", "stop svc", ...), each instance
 * exits when the test says so, and starts fail for the images the test names.
 */
final class FakeEngine implements Engine {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    /** The last instance started under each name. */
    final Map<String, FakeInstance> instances = new ConcurrentHashMap<>();
    /** Images whose starts fail. */
    final Set<String> failingImages = ConcurrentHashMap.newKeySet();

    final class FakeInstance implements Instance {
        final InstanceSpec spec;
        final CompletableFuture<Integer> exited = new CompletableFuture<>();
        final long pid;

        FakeInstance(InstanceSpec spec, long pid) {
            this.spec = spec;
            this.pid = pid;
        }

        @Override
        public String name() {
            return spec.name();
        }

        @Override
        public Map<String, Object> info() {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("name", spec.name());
            info.put("process", Map.of("id", pid));
            return info;
        }

        @Override
        public CompletableFuture<Integer> exited() {
            return exited;
        }

        /** The process ends on its own with {@code code}. */
        void exit(int code) {
            exited.complete(code);
        }

        @Override
        public void stop(Duration grace) {
            events.add("stop " + spec.name());
            exited.complete(143);
        }

        @Override
        public Map<String, Object> stats() {
            return Map.of("mem_stats", Map.of("used", 1));
        }
    }

    private long pids = 100;

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public void prepare(AppConfig app) {
        events.add("prepare");
    }

    @Override
    public void setupService(ServiceDefinition service) {
        events.add("setup " + service.name());
    }

    @Override
    public void teardownService(String serviceName) {
        events.add("teardown " + serviceName);
    }

    @Override
    public synchronized Instance start(InstanceSpec spec) throws EngineException {
        if (failingImages.contains(spec.service().spec().image)) {
            events.add("start-failed " + spec.name());
            throw new EngineException("service " + spec.service().name() + ": package '" + spec.service().spec().image
                    + "' not found");
        }
        events.add("start " + spec.name());
        FakeInstance inst = new FakeInstance(spec, pids++);
        instances.put(spec.name(), inst);
        return inst;
    }

    @Override
    public void recover(Map<String, Map<String, Map<String, Object>>> recorded) {
        events.add("recover " + recorded.keySet());
    }

    @Override
    public String masterApiAddressForInstances(String configuredAddress) {
        return configuredAddress;
    }

    @Override
    public void close() {
    }

    /** Events of one kind ("start", "stop", ...), without the kind. */
    List<String> events(String kind) {
        synchronized (events) {
            return events.stream().filter(e -> e.startsWith(kind + " ")).map(e -> e.substring(kind.length() + 1)).toList();
        }
    }
}
