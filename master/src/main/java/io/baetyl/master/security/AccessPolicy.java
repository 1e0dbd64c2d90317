package io.baetyl.master.security;

import io.baetyl.master.api.ApiException;
import java.util.List;
import java.util.Set;

/**
 * What a service's token allows on the REST API, beyond being a running service (which every route needs):
 * <ul>
 *   <li>inspect and ports/available: every service;</li>
 *   <li>report: only for the caller's own instances;</li>
 *   <li>start and stop: dynamic instances (those started through the API, such as function runtimes) of any
 *       service; a supervised replica ({@code svc}, {@code svc.i1}, ...) only by its own service;</li>
 *   <li>system/update: only the services listed in conf.yml {@code server.update.allowed}.</li>
 * </ul>
 * A refusal is an {@link ApiException} with status 403 and a one-line reason naming the caller and the target.
 */
public final class AccessPolicy {
    private final List<String> updateAllowed;
    private final Set<String> updateAllowedSet;

    public AccessPolicy(List<String> updateAllowed) {
        this.updateAllowed = List.copyOf(updateAllowed);
        this.updateAllowedSet = Set.copyOf(updateAllowed);
    }

    public void checkUpdate(String caller) {
        if (!updateAllowedSet.contains(caller)) {
            throw ApiException.forbidden("service '" + LogSafe.q(caller) + "' may not update the system: only "
                    + (updateAllowed.isEmpty() ? "no service" : "services " + updateAllowed)
                    + " may (conf.yml server.update.allowed)");
        }
    }

    public void checkReport(String caller, String service) {
        if (!caller.equals(service)) {
            throw ApiException.forbidden("service '" + LogSafe.q(caller) + "' may not report for service '"
                    + LogSafe.q(service) + "': a service reports only its own instances");
        }
    }

    /** @param replica whether {@code instance} names one of the service's supervised replicas */
    public void checkStart(String caller, String service, String instance, boolean replica) {
        if (replica && !caller.equals(service)) {
            throw ApiException.forbidden("service '" + LogSafe.q(caller) + "' may not start instance '"
                    + LogSafe.q(instance) + "' of service '" + LogSafe.q(service) + "': it is a supervised replica, "
                    + "only the master and service '" + LogSafe.q(service) + "' may start it");
        }
    }

    /** @param replica whether {@code instance} names one of the service's supervised replicas */
    public void checkStop(String caller, String service, String instance, boolean replica) {
        if (replica && !caller.equals(service)) {
            throw ApiException.forbidden("service '" + LogSafe.q(caller) + "' may not stop instance '"
                    + LogSafe.q(instance) + "' of service '" + LogSafe.q(service) + "': it is a supervised replica, "
                    + "only the master and service '" + LogSafe.q(service) + "' may stop it");
        }
    }
}
