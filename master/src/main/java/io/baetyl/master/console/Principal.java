package io.baetyl.master.console;

import io.baetyl.master.api.ApiException;
import io.baetyl.master.security.AccessPolicy;
import io.baetyl.master.security.LogSafe;
import java.util.List;

/**
 * Who is logged in, and what they may do beyond looking.
 * <ul>
 *   <li>A configured user ({@code console.users}): sees everything; restarts replicas of the services in its
 *       {@code restart} list ({@code '*'}: all); applies an application.yml only with {@code update: true}.</li>
 *   <li>A service, logged in with its API token: exactly what the token allows on the REST API
 *       ({@link AccessPolicy}): restarts only its own replicas, applies an application.yml only when conf.yml
 *       {@code server.update.allowed} names it; it reads only its own log and config volumes. The login ends when
 *       the token does (the service stopped or restarted).</li>
 * </ul>
 */
record Principal(String name, Kind kind, List<String> restart, boolean update) {
    enum Kind { USER, SERVICE }

    static Principal user(String name, List<String> restart, boolean update) {
        return new Principal(name, Kind.USER, List.copyOf(restart), update);
    }

    static Principal service(String name) {
        return new Principal(name, Kind.SERVICE, List.of(), false);
    }

    /** @throws ApiException 403 naming the principal and the replica */
    void checkRestart(AccessPolicy policy, String service, String instance) {
        if (kind == Kind.SERVICE) {
            policy.checkStart(name, service, instance, true);
            return;
        }
        if (!restart.contains("*") && !restart.contains(service)) {
            throw ApiException.forbidden("user '" + name + "' may not restart instances of service '"
                    + LogSafe.q(service) + "': conf.yml console.users[].restart does not list it");
        }
    }

    /** @throws ApiException 403 */
    void checkUpdate(AccessPolicy policy) {
        if (kind == Kind.SERVICE) {
            policy.checkUpdate(name);
            return;
        }
        if (!update) {
            throw ApiException.forbidden("user '" + name + "' may not apply an application.yml: conf.yml "
                    + "console.users[].update is not true");
        }
    }

    /** Logs and config volumes: a user sees every service's, a service only its own. */
    boolean maySeeFilesOf(String service) {
        return kind == Kind.USER || name.equals(service);
    }

    /** For the page: what the principal may do, so that buttons it cannot use are not offered. */
    java.util.Map<String, Object> describe(AccessPolicy policy) {
        boolean mayUpdate;
        try {
            checkUpdate(policy);
            mayUpdate = true;
        } catch (ApiException e) {
            mayUpdate = false;
        }
        return java.util.Map.of("name", name, "kind", kind.name().toLowerCase(java.util.Locale.ROOT),
                "restart", kind == Kind.SERVICE ? List.of(name) : restart, "update", mayUpdate);
    }
}
