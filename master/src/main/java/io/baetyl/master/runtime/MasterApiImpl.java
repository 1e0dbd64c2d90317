package io.baetyl.master.runtime;

import io.baetyl.master.api.MasterApi;
import io.baetyl.master.engine.EngineException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The master's side of the REST API. */
final class MasterApiImpl implements MasterApi {
    private static final Logger log = LoggerFactory.getLogger(MasterApiImpl.class);

    private final Master master;
    private final Inspector inspector;
    /** Updates run one at a time, off the API's threads: the HTTP reply does not wait for them, as in Baetyl. */
    private final ExecutorService updates = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ota");
        t.setDaemon(true);
        return t;
    });

    MasterApiImpl(Master master) {
        this.master = master;
        this.inspector = new Inspector(master);
    }

    @Override
    public boolean authenticate(String username, String password) {
        return master.authenticate(username, password);
    }

    @Override
    public Map<String, Object> inspect() {
        return inspector.inspect();
    }

    @Override
    public void updateSystem(String trace, String type, String path) {
        String t = type == null || type.isEmpty() ? "APP" : type.toUpperCase(Locale.ROOT);
        updates.execute(() -> {
            try {
                if ("MST".equals(t)) {
                    master.updateMaster(trace, path);
                    return;
                }
                master.updateApp(trace, path);
            } catch (Exception e) {
                log.error("update failed: trace={} type={} path={}: {}", trace, t, path, e.getMessage());
                master.setLastError(e.getMessage());
            }
        });
    }

    @Override
    public void reportInstance(String serviceName, String instanceName, Map<String, Object> stats) {
        master.service(serviceName);
        master.stats().setInstance(serviceName, instanceName, stats, false);
    }

    @Override
    public void startInstance(String serviceName, String instanceName, Map<String, String> env) {
        try {
            master.service(serviceName).startInstance(instanceName, env);
        } catch (EngineException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void stopInstance(String serviceName, String instanceName) {
        master.service(serviceName).stopInstance(instanceName);
    }
}
