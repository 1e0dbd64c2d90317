package io.baetyl.master.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baetyl.master.api.ApiException;
import io.baetyl.master.config.ConsoleConfig;
import io.baetyl.master.runtime.Operations;
import io.baetyl.master.security.LogSafe;
import io.baetyl.master.security.PasswordHash;
import io.baetyl.master.web.WebHandler;
import io.baetyl.master.web.WebRequest;
import io.baetyl.master.web.WebResponse;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP routes: its static page, login and logout, the JSON behind each page, and the two actions.
 * Every {@code /api/} route but login needs a session cookie; actions also need the session's CSRF token in the
 * {@code X-CSRF-Token} header and are authorized by {@link Principal}. Errors are JSON {@code {"error": "..."}}.
 */
final class ConsoleApi implements WebHandler {
    private static final Logger log = LoggerFactory.getLogger(ConsoleApi.class);
    static final String COOKIE = "baetyl_console";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Page, script and style come from this address only; nothing inline, nothing from elsewhere. */
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final Operations ops;
    private final ConsoleConfig cfg;
    private final Clock clock;
    private final ConsoleViews views;
    private final Sessions sessions;
    private final LoginLimiter limiter;
    /** Password hashing is deliberately slow: one at a time, so logins cannot eat the device's CPU. */
    private final Semaphore hashing = new Semaphore(1);

    ConsoleApi(Operations ops, ConsoleConfig cfg, Clock clock, HubRates rates) {
        this.ops = ops;
        this.cfg = cfg;
        this.clock = clock;
        this.views = new ConsoleViews(ops, rates);
        this.sessions = new Sessions(clock, cfg.session.timeout);
        this.limiter = new LoginLimiter(clock);
    }

    @Override
    public WebResponse handle(WebRequest req) throws Exception {
        WebResponse r = route(req);
        r = r.with("Content-Security-Policy", CSP).with("X-Frame-Options", "DENY")
                .with("Referrer-Policy", "no-referrer");
        return req.path().startsWith("/api/") ? r.with("Cache-Control", "no-store") : r;
    }

    private WebResponse route(WebRequest req) throws Exception {
        String path = req.path();
        if (!path.startsWith("/api/")) {
            if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
                return error(405, "method not allowed");
            }
            WebResponse asset = Assets.get(path);
            return asset != null ? asset : error(404, "not found");
        }
        if (path.equals("/api/login")) {
            return req.method().equals("POST") ? login(req) : error(405, "method not allowed");
        }
        Sessions.Session s = session(req);
        if (s == null) {
            return error(401, "not logged in");
        }
        if (s.principal().kind() == Principal.Kind.SERVICE
                && !ops.authenticateService(s.principal().name(), s.serviceToken())) {
            sessions.remove(s.id());
            return error(401, "the token of service '" + s.principal().name() + "' you logged in with is no longer "
                    + "valid (the service stopped or was restarted): log in again");
        }
        boolean post = req.method().equals("POST");
        if (post && !s.csrf().equals(req.header("x-csrf-token"))) {
            return error(403, "missing or wrong X-CSRF-Token header: reload the page");
        }
        if (!post && !req.method().equals("GET")) {
            return error(405, "method not allowed");
        }
        try {
            return post ? action(req, s) : view(req, s);
        } catch (ApiException e) {
            log.warn("console action refused: user={} path={} status={} reason={}", s.principal().name(),
                    LogSafe.q(path), e.status(), LogSafe.q(e.getMessage()));
            return error(e.status(), e.getMessage());
        }
    }

    private WebResponse view(WebRequest req, Sessions.Session s) throws IOException {
        String path = req.path();
        switch (path) {
            case "/api/me":
                return json(200, me(s));
            case "/api/overview":
                return json(200, views.overview());
            case "/api/rates":
                return json(200, views.rates(parseLong(req.queryParam("since"))));
            case "/api/hub":
                return json(200, Map.of("hubs", views.hub()));
            case "/api/functions":
                return json(200, Map.of("managers", views.functions()));
            case "/api/ota":
                return json(200, views.ota());
            default:
                break;
        }
        if (path.startsWith("/api/services/") && path.indexOf('/', "/api/services/".length()) < 0) {
            String name = path.substring("/api/services/".length());
            Map<String, Object> doc = views.service(name, s.principal());
            return doc == null ? error(404, "service (" + LogSafe.q(name) + ") not found") : json(200, doc);
        }
        return error(404, "not found");
    }

    private WebResponse action(WebRequest req, Sessions.Session s) throws Exception {
        String path = req.path();
        Principal who = s.principal();
        if (path.equals("/api/logout")) {
            sessions.remove(s.id());
            return json(200, Map.of("ok", true)).with("Set-Cookie", cookie("", 0, req.secure()));
        }
        if (path.equals("/api/app")) {
            who.checkUpdate(ops.policy());
            String trace = "console-" + clock.millis() + "-" + who.name();
            try {
                ops.applyApplication(trace, req.body());
            } catch (IllegalArgumentException e) {
                log.warn("console: application.yml from user {} refused, nothing applied: {}", who.name(),
                        LogSafe.q(e.getMessage()));
                return error(400, e.getMessage());
            }
            log.info("console: user {} applied an application.yml: trace={}", who.name(), trace);
            return json(202, Map.of("trace", trace));
        }
        String[] seg = path.split("/", -1); // "", "api", "services", svc, "instances", inst, "restart"
        if (seg.length == 7 && seg[2].equals("services") && seg[4].equals("instances") && seg[6].equals("restart")) {
            String service = seg[3];
            String instance = seg[5];
            who.checkRestart(ops.policy(), service, instance);
            log.info("console: user {} restarts service={} instance={}", who.name(), LogSafe.q(service),
                    LogSafe.q(instance));
            try {
                ops.restartReplica(service, instance);
            } catch (IllegalArgumentException e) {
                return error(404, e.getMessage());
            }
            return json(200, Map.of("ok", true));
        }
        return error(404, "not found");
    }

    // ---- login ----

    private WebResponse login(WebRequest req) throws Exception {
        long wait = limiter.retryAfterSeconds(req.remote());
        if (wait > 0) {
            log.warn("console login refused without checking: remote={} reason=too many failed logins", req.remote());
            return error(429, "too many failed logins: retry in " + wait + " s").with("Retry-After",
                    Long.toString(wait));
        }
        String username;
        String password;
        try {
            JsonNode body = JSON.readTree(req.body());
            username = body.path("username").asText("");
            password = body.path("password").asText("");
        } catch (IOException e) {
            return error(400, "the body must be JSON: {\"username\": ..., \"password\": ...}");
        }
        if (!hashing.tryAcquire(10, TimeUnit.SECONDS)) {
            return error(503, "busy checking other logins: retry");
        }
        Principal who;
        try {
            who = check(username, password);
        } finally {
            hashing.release();
        }
        if (who == null) {
            limiter.failed(req.remote());
            log.warn("console login refused: username={} remote={}", LogSafe.q(username), req.remote());
            return error(401, "wrong username or password");
        }
        limiter.succeeded(req.remote());
        Sessions.Session s = sessions.open(who, who.kind() == Principal.Kind.SERVICE ? password : null);
        log.info("console login: user={} kind={} remote={}", who.name(), who.kind(), req.remote());
        return json(200, me(s)).with("Set-Cookie", cookie(s.id(), -1, req.secure()));
    }

    /** A configured user whose hash matches, else a running service whose token matches, else null. */
    private Principal check(String username, String password) {
        if (username.isEmpty() || password.isEmpty() || username.length() > 256 || password.length() > 1024) {
            return null;
        }
        for (ConsoleConfig.User u : cfg.users) {
            if (u.username.equals(username)) {
                if (PasswordHash.verify(u.password, password)) {
                    return Principal.user(u.username, u.restart, u.update);
                }
                break; // a service of the same name may still log in with its token
            }
        }
        if (ops.authenticateService(username, password)) {
            return Principal.service(username);
        }
        return null;
    }

    private Map<String, Object> me(Sessions.Session s) {
        Map<String, Object> m = new LinkedHashMap<>(s.principal().describe(ops.policy()));
        m.put("csrf", s.csrf());
        return m;
    }

    private Sessions.Session session(WebRequest req) {
        String header = req.header("cookie");
        if (header == null) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.LAX.decode(header)) {
            if (c.name().equals(COOKIE)) {
                return sessions.get(c.value());
            }
        }
        return null;
    }

    private String cookie(String value, long maxAge, boolean secure) {
        DefaultCookie c = new DefaultCookie(COOKIE, value);
        c.setHttpOnly(true);
        c.setPath("/");
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        c.setSecure(secure);
        if (maxAge >= 0) {
            c.setMaxAge(maxAge);
        }
        return ServerCookieEncoder.STRICT.encode(c);
    }

    // ---- answers ----

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static WebResponse json(int status, Object doc) throws IOException {
        return WebResponse.of(status, WebResponse.JSON, JSON.writeValueAsBytes(doc));
    }

    private static WebResponse error(int status, String message) {
        try {
            return json(status, Map.of("error", message));
        } catch (IOException e) {
            return WebResponse.text(status, message);
        }
    }
}
