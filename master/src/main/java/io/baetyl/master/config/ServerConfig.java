package io.baetyl.master.config;

import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.Names;
import io.baetyl.sdk.config.Validated;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code server:} in conf.yml: where the REST API listens. {@code unix:///path} or {@code tcp://host:port};
 * optional inline {@code ca/cert/key} turn on TLS (client certificates verified when given).
 */
public class ServerConfig implements Validated {
    public String address = "unix:///var/run/baetyl.sock";
    public Duration timeout = Duration.ofMinutes(5);
    public String ca = "";
    public String cert = "";
    public String key = "";
    /** Not in Baetyl: the passphrase of an encrypted {@link #key}. */
    public String passphrase = "";
    public Update update = new Update();

    /** {@code server.update:} who may call {@code PUT /v1/system/update} (and the v0 {@code /system/update}). */
    public static class Update {
        /** Service names whose token may update the system; the docs' cloud agent by default. Empty: nobody. */
        public List<String> allowed = new ArrayList<>(List.of("agent"));
    }

    /** "unix" or "tcp". */
    public String scheme() {
        return URI.create(address).getScheme();
    }

    /** For unix addresses: the socket path as written (may be relative to the working dir). */
    public String unixPath() {
        String rest = address.substring("unix://".length());
        return rest;
    }

    @Override
    public void validate() {
        URI uri;
        try {
            uri = URI.create(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("server.address: invalid address '" + address + "'");
        }
        String scheme = uri.getScheme();
        if (!"unix".equals(scheme) && !"tcp".equals(scheme)) {
            throw new IllegalArgumentException("server.address: scheme must be unix or tcp, got '" + address + "'");
        }
        if ("unix".equals(scheme) && unixPath().isEmpty()) {
            throw new IllegalArgumentException("server.address: unix address has no path: '" + address + "'");
        }
        if ("tcp".equals(scheme) && (uri.getHost() == null || uri.getPort() < 0)) {
            throw new IllegalArgumentException("server.address: tcp address needs host:port, got '" + address + "'");
        }
        for (int i = 0; i < update.allowed.size(); i++) {
            String name = update.allowed.get(i);
            if (name == null || !Names.SERVICE.matcher(name).matches()) {
                throw new IllegalArgumentException("server.update.allowed[" + i + "]: invalid service name '"
                        + LogSafe.q(name) + "'");
            }
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("server.timeout: must be positive");
        }
    }
}
