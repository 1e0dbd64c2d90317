package io.baetyl.sdk.net;

import io.baetyl.sdk.Env;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Service names as host names in native mode. Baetyl's docs address the hub as {@code tcp://localhub:1883}: in Docker
 * mode the container network resolves a service's name, but on a device without Docker nothing does, and the module
 * retried {@code UnknownHostException: localhub} forever. In native mode every service runs on this host, so the
 * master lists the app's service names in {@code BAETYL_APP_SERVICES} and a host that names one of them is reached at
 * {@code 127.0.0.1}. DNS is not asked, and other names resolve as before.
 *
 * <p>Over TLS the certificate is still checked against the name the user wrote ({@code localhub}), not against
 * {@code 127.0.0.1}: see {@link #certificateNames}.
 */
public final class ServiceHosts {
    /** Comma-separated names of the app's services; set by the master for native instances. */
    public static final String APP_SERVICES = "BAETYL_APP_SERVICES";
    /** Where a service name leads in native mode. */
    public static final String LOOPBACK = "127.0.0.1";

    private static final ServiceHosts NONE = new ServiceHosts(Set.of());

    private final Set<String> names;

    private ServiceHosts(Set<String> names) {
        this.names = names;
    }

    /** From the environment the master gives an instance: only in native mode, only with the list set. */
    public static ServiceHosts fromEnv(Map<String, String> env) {
        String mode = env.getOrDefault(Env.SERVICE_MODE, env.getOrDefault(Env.OE_RUNNING_MODE, ""));
        String list = env.get(APP_SERVICES);
        if (!"native".equals(mode) || list == null || list.isBlank()) {
            return NONE;
        }
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (String n : list.split(",")) {
            if (!n.isBlank()) {
                names.add(n.strip());
            }
        }
        return new ServiceHosts(names);
    }

    /** The given names (for tests and tools). */
    public static ServiceHosts of(Collection<String> names) {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(names);
        return new ServiceHosts(set);
    }

    /** Whether {@code host} names a service of the app. */
    public boolean isService(String host) {
        return host != null && names.contains(host);
    }

    /**
     * The address to dial: {@code scheme://localhub:1883/path} becomes {@code scheme://127.0.0.1:1883/path} when
     * {@code localhub} is a service of the app; anything else is returned unchanged.
     */
    public String resolve(String address) {
        String host = hostOf(address);
        if (!isService(host)) {
            return address;
        }
        try {
            URI u = new URI(address);
            return new URI(u.getScheme(), u.getUserInfo(), LOOPBACK, u.getPort(), u.getPath(), u.getQuery(),
                    u.getFragment()).toString();
        } catch (URISyntaxException e) {
            return address;
        }
    }

    /** The host of a {@code scheme://host:port} address, or null. */
    public static String hostOf(String address) {
        try {
            return new URI(address).getHost();
        } catch (URISyntaxException | NullPointerException e) {
            return null;
        }
    }

    /**
     * Whether a server certificate was issued for {@code serviceName}: one of its DNS subject alternative names is
     * that name (compared without case), or, when it has none, its common name is. A service name has no dot, so no
     * wildcard ({@code *.example.com} covers one label before a dot) can ever match it.
     */
    public static boolean certificateNames(X509Certificate cert, String serviceName) {
        boolean hasDns = false;
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0))) {
                        hasDns = true;
                        if (serviceName.equalsIgnoreCase(String.valueOf(san.get(1)))) {
                            return true;
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        if (hasDns) {
            return false;
        }
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().toUpperCase(Locale.ROOT).equals("CN")
                        && serviceName.equalsIgnoreCase(String.valueOf(rdn.getValue()))) {
                    return true;
                }
            }
        } catch (InvalidNameException e) {
            return false;
        }
        return false;
    }
}
