package io.baetyl.master.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import io.baetyl.master.security.LogSafe;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing, authentication and body handling of the master REST API, free of Netty so it can be tested directly.
 * {@link #handle} may block (it calls {@link MasterApi}), so it runs on a worker thread, never on an event loop.
 *
 * <p>Order of checks, as in Baetyl's gorilla/mux server: unknown path → 404, known path with another method → 405,
 * bad credentials → 401 {@code account unauthorized}, handler or body error → 400 with the message. Refusals of
 * an authenticated service ({@link ApiException}) keep their status (403, 413, 429) and are logged at warn with the
 * caller, the request and the reason; every value from the request is escaped in the log.
 */
final class ApiRouter {
    private static final Logger log = LoggerFactory.getLogger(ApiRouter.class);
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    enum Op { INSPECT, INSPECT_V0, UPDATE, AVAILABLE_PORT, REPORT, START, STOP }

    /** A matched route: what to do, the method it needs, and the path parameters (null when the route has none). */
    record Route(Op op, String method, String service, String instance) {
    }

    private final MasterApi api;
    private final ObjectMapper json = new ObjectMapper();

    ApiRouter(MasterApi api) {
        this.api = api;
    }

    /** Finds the route of a decoded path, v1 ({@code /v1/...}) or deprecated v0; null when there is none. */
    static Route match(String path) {
        boolean v1 = path.startsWith("/v1/");
        String rest = v1 ? path.substring(3) : path;
        switch (rest) {
            case "/system/inspect":
                return new Route(v1 ? Op.INSPECT : Op.INSPECT_V0, "GET", null, null);
            case "/system/update":
                return new Route(Op.UPDATE, "PUT", null, null);
            case "/ports/available":
                return new Route(Op.AVAILABLE_PORT, "GET", null, null);
            default:
                break;
        }
        String[] seg = rest.split("/", -1);
        // "", "services", svc, "instances", inst, action
        if (seg.length != 6 || !seg[0].isEmpty() || !seg[1].equals("services") || !seg[3].equals("instances")
                || seg[2].isEmpty() || seg[4].isEmpty()) {
            return null;
        }
        Op op = switch (seg[5]) {
            case "start" -> Op.START;
            case "stop" -> Op.STOP;
            case "report" -> v1 ? Op.REPORT : null; // report never existed in v0
            default -> null;
        };
        return op == null ? null : new Route(op, "PUT", seg[2], seg[4]);
    }

    /**
     * Serves one request.
     *
     * @param path the decoded path without query
     * @param body the request body, empty when none was sent
     */
    ApiResponse handle(String method, String path, String username, String password, byte[] body) {
        Route route = match(path);
        if (route == null) {
            return ApiResponse.error(404, "404 page not found");
        }
        if (!route.method().equals(method)) {
            return ApiResponse.error(405, "405 method not allowed");
        }
        if (!authenticate(username, password)) {
            log.warn("api request refused: method={}, path={}, username={}, status=401, reason=account unauthorized",
                    method, LogSafe.q(path), LogSafe.q(username));
            return ApiResponse.error(401, "account unauthorized");
        }
        log.debug("api request: method={}, path={}, username={}", method, LogSafe.q(path), LogSafe.q(username));
        try {
            return dispatch(route, username, body);
        } catch (ApiException e) {
            String reason = LogSafe.q(e.getMessage());
            log.warn("api request refused: method={}, path={}, username={}, status={}, reason={}", method,
                    LogSafe.q(path), LogSafe.q(username), e.status(), reason);
            return ApiResponse.error(e.status(), reason);
        } catch (Exception e) {
            String message = LogSafe.q(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            log.warn("api request failed: method={}, path={}, username={}, error={}", method, LogSafe.q(path),
                    LogSafe.q(username), message);
            if (!(e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof JsonProcessingException) && log.isDebugEnabled()) {
                log.debug("api handler stack trace: path={}", LogSafe.q(path), e);
            }
            return ApiResponse.error(400, message);
        }
    }

    private boolean authenticate(String username, String password) {
        try {
            return api.authenticate(username == null ? "" : username, password == null ? "" : password);
        } catch (RuntimeException e) {
            log.error("api authentication failed with an error: username={}", LogSafe.q(username), e);
            return false;
        }
    }

    private ApiResponse dispatch(Route route, String caller, byte[] body) throws Exception {
        switch (route.op()) {
            case INSPECT:
                return ApiResponse.json(json.writeValueAsBytes(api.inspect()));
            case INSPECT_V0:
                return ApiResponse.json(json.writeValueAsBytes(InspectV0.fromV1(api.inspect())));
            case AVAILABLE_PORT:
                return ApiResponse.json(json.writeValueAsBytes(Map.of("port", Integer.toString(availablePort()))));
            case UPDATE:
                update(caller, body);
                return ApiResponse.empty();
            case REPORT:
                api.reportInstance(caller, route.service(), route.instance(), readObject(body));
                return ApiResponse.empty();
            case START:
                api.startInstance(caller, route.service(), route.instance(), readStringMap(body));
                return ApiResponse.empty();
            case STOP:
                api.stopInstance(caller, route.service(), route.instance());
                return ApiResponse.empty();
            default:
                throw new IllegalStateException("unhandled route " + route);
        }
    }

    /**
     * Parses {@code {"type","path","trace"}} ({@code file} for agents older than 0.1.4). The master checks and
     * queues the update and returns at once; the agent learns the outcome from the OTA log.
     */
    private void update(String caller, byte[] body) {
        Map<String, String> args = readStringMap(body);
        String type = args.getOrDefault("type", "APP");
        String target = args.containsKey("path") ? args.get("path") : args.getOrDefault("file", "");
        String trace = args.getOrDefault("trace", "");
        log.info("system update requested: caller={}, type={}, path={}, trace={}", LogSafe.q(caller), LogSafe.q(type),
                LogSafe.q(target), LogSafe.q(trace));
        api.updateSystem(caller, trace, type, target);
    }

    /** A free TCP port on 127.0.0.1, found by letting the kernel pick one and releasing it at once. */
    static int availablePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private Map<String, Object> readObject(byte[] body) {
        JsonNode node = readTree(body);
        if (!node.isObject()) {
            throw new IllegalArgumentException("request body invalid: a JSON object is expected");
        }
        return json.convertValue(node, OBJECT);
    }

    private Map<String, String> readStringMap(byte[] body) {
        JsonNode node = readTree(body);
        if (!node.isObject()) {
            throw new IllegalArgumentException("request body invalid: a JSON object is expected");
        }
        Map<String, String> out = new LinkedHashMap<>();
        var fields = node.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            JsonNode v = field.getValue();
            if (v.isNull()) {
                out.put(field.getKey(), "");
            } else if (v.isTextual()) {
                out.put(field.getKey(), v.textValue());
            } else {
                throw new IllegalArgumentException(
                        "request body invalid: value of '" + field.getKey() + "' must be a string");
            }
        }
        return out;
    }

    private JsonNode readTree(byte[] body) {
        if (body == null || body.length == 0) {
            throw new IllegalArgumentException("request body invalid");
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException("request body invalid");
            }
            return node;
        } catch (IOException e) {
            String msg = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            throw new IllegalArgumentException("request body invalid: " + firstLine(msg));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
