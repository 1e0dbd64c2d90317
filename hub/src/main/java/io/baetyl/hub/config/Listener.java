package io.baetyl.hub.config;

import java.util.Objects;
import java.util.Set;

/** A parsed {@code listen} entry. */
public record Listener(String url, String scheme, String host, int port, String path, boolean proxyProtocol) {
    public Listener(String url, String scheme, String host, int port, String path) {
        this(url, scheme, host, port, path, false);
    }

    public boolean tls() {
        return scheme.equals("ssl") || scheme.equals("wss");
    }

    public boolean websocket() {
        return scheme.equals("ws") || scheme.equals("wss");
    }

    public static Listener parse(String url) {
        Objects.requireNonNull(url, "listen entry");
        int sep = url.indexOf("://");
        if (sep < 0) {
            throw new IllegalArgumentException("listen: invalid address " + url + " (want tcp://, ssl://, ws:// or wss://host:port)");
        }
        String scheme = url.substring(0, sep).toLowerCase();
        if (scheme.equals("tls")) {
            scheme = "ssl";
        }
        if (!Set.of("tcp", "ssl", "ws", "wss").contains(scheme)) {
            throw new IllegalArgumentException("listen: unsupported scheme " + scheme + " in " + url);
        }
        String rest = url.substring(sep + 3);
        // new: listener options as a query, e.g. tcp://0.0.0.0:1883?proxy_protocol=true (HAProxy in front)
        boolean proxy = false;
        int q = rest.indexOf('?');
        if (q >= 0) {
            for (String opt : rest.substring(q + 1).split("&")) {
                if (opt.equals("proxy_protocol=true")) {
                    proxy = true;
                } else if (!opt.equals("proxy_protocol=false") && !opt.isEmpty()) {
                    throw new IllegalArgumentException("listen: unknown option " + opt + " in " + url
                            + " (known: proxy_protocol=true|false)");
                }
            }
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "/" : rest.substring(slash);
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("listen: missing port in " + url);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen: invalid port in " + url);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen: invalid port in " + url);
        }
        return new Listener(url, scheme, host, port, path, proxy);
    }
}
