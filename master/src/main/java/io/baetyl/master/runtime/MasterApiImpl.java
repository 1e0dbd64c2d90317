package io.baetyl.master.runtime;

import io.baetyl.master.api.MasterApi;
import io.baetyl.master.engine.EngineException;
import io.baetyl.master.security.AccessPolicy;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.Names;
import io.baetyl.sdk.Env;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's side of the REST API: checks names, asks {@link AccessPolicy} whether the calling service may do
 * this, then hands the work to the services, the stats or the updates.
 */
final class MasterApiImpl implements MasterApi {
    private static final Logger log = LoggerFactory.getLogger(MasterApiImpl.class);

    private final Master master;
    private final AccessPolicy policy;
    private final Inspector inspector;

    MasterApiImpl(Master master, AccessPolicy policy) {
        this.master = master;
        this.policy = policy;
        this.inspector = new Inspector(master);
    }

    @Override
    public boolean authenticate(String username, String password) {
        return master.services().authenticate(username, password);
    }

    @Override
    public Map<String, Object> inspect() {
        return inspector.inspect();
    }

    @Override
    public void updateSystem(String caller, String trace, String type, String path) {
        policy.checkUpdate(caller);
        master.ota().submit(trace, type, path);
    }

    @Override
    public void reportInstance(String caller, String serviceName, String instanceName, Map<String, Object> stats) {
        policy.checkReport(caller, serviceName);
        Names.requireInstance(instanceName);
        master.services().get(serviceName);
        master.stats().report(serviceName, instanceName, stats);
    }

    @Override
    public void startInstance(String caller, String serviceName, String instanceName, Map<String, String> env) {
        Names.requireInstance(instanceName);
        ServiceRunner service = master.services().get(serviceName);
        policy.checkStart(caller, serviceName, instanceName, service.isReplica(instanceName));
        for (String key : env.keySet()) {
            if (key.equals(Env.SERVICE_TOKEN) || key.equals(Env.OE_SERVICE_TOKEN)) {
                throw new IllegalArgumentException("request body invalid: " + key + " is set by the master");
            }
        }
        log.info("instance start requested: caller={} service={} instance={}", LogSafe.q(caller),
                LogSafe.q(serviceName), LogSafe.q(instanceName));
        try {
            service.startInstance(instanceName, env);
        } catch (EngineException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void stopInstance(String caller, String serviceName, String instanceName) {
        Names.requireInstance(instanceName);
        ServiceRunner service = master.services().get(serviceName);
        policy.checkStop(caller, serviceName, instanceName, service.isReplica(instanceName));
        log.info("instance stop requested: caller={} service={} instance={}", LogSafe.q(caller),
                LogSafe.q(serviceName), LogSafe.q(instanceName));
        service.stopInstance(instanceName);
    }
}
