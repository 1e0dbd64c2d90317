package io.baetyl.master.config;

import io.baetyl.master.security.LogSafe;
import java.net.URI;

/** A {@code tcp://host:port} listen address of the master's web endpoints (console, metrics). */
public record WebAddress(String host, int port) {

    /**
     * @param key names the setting in the error, e.g. {@code console.address}
     * @throws IllegalArgumentException {@code key: ...} when the address is not {@code tcp://host:port}
     */
    public static WebAddress parse(String key, String address) {
        URI uri;
        try {
            uri = URI.create(address == null ? "" : address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": invalid address '" + LogSafe.q(address) + "'");
        }
        if (!"tcp".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0 || uri.getPort() > 65535
                || (uri.getPath() != null && !uri.getPath().isEmpty())) {
            throw new IllegalArgumentException(key + ": must be tcp://host:port, got '" + LogSafe.q(address) + "'");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new WebAddress(host, uri.getPort());
    }

    /** Whether only this machine can reach the address (127.0.0.0/8, ::1, localhost). */
    public boolean loopback() {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
}
