package io.baetyl.master.console;

import io.baetyl.master.web.WebResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The console's page, script and style, bundled in the master's jar at build time (nothing is loaded from elsewhere
 * at run time). Only the files named here are served.
 */
final class Assets {
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/app.js", "app.js",
            "/chart.js", "chart.js",
            "/app.css", "app.css",
            "/favicon.svg", "favicon.svg");

    private Assets() {
    }

    /** The asset at {@code path}, or null when there is none. */
    static WebResponse get(String path) throws IOException {
        String name = FILES.get(path);
        if (name == null) {
            return null;
        }
        try (InputStream in = Assets.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                return null;
            }
            return WebResponse.of(200, type(name), in.readAllBytes()).with("Cache-Control", "no-cache");
        }
    }

    private static String type(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "image/svg+xml";
    }
}
