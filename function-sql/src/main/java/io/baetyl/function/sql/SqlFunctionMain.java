package io.baetyl.function.sql;

import io.baetyl.function.sql.query.SqlStatement;
import io.baetyl.sdk.Baetyl;
import io.baetyl.sdk.Context;
import io.baetyl.sdk.config.ConfigException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@code baetyl-function-sql [-c etc/baetyl/service.yml]}: serves {@code baetyl.Function/Call} on the configured
 * address and runs each function's SQL statement on the message payload. Exit 0 after SIGTERM/SIGINT, 1 on a
 * config or startup error (one log line naming the key, function and position).
 */
public final class SqlFunctionMain {
    static final String DEFAULT_NAME = "baetyl-function-sql";
    /** First non-empty one wins; the OPENEDGE_* names are Baetyl 0.x's, still set by the manager. */
    static final String[] ADDRESS_ENVS = {
        "BAETYL_SERVICE_INSTANCE_ADDRESS", "OPENEDGE_SERVICE_INSTANCE_ADDRESS", "OPENEDGE_SERVICE_ADDRESS"};
    static final String[] NAME_ENVS = {
        "BAETYL_SERVICE_INSTANCE_NAME", "OPENEDGE_SERVICE_INSTANCE_NAME", "OPENEDGE_SERVICE_NAME"};

    private SqlFunctionMain() {
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        Baetyl.run(args, ctx -> serve(ctx, env, null));
    }

    /**
     * Runs the runtime in this JVM and returns its exit status (for tests): {@code started} is called with the
     * context and the running server; stop it with {@code ((DefaultContext) ctx).requestShutdown()}.
     */
    static int run(String[] args, Map<String, String> env, BiConsumer<Context, SqlFunctionServer> started) {
        return Baetyl.run(args, env, ctx -> serve(ctx, env, started), false);
    }

    private static void serve(Context ctx, Map<String, String> env, BiConsumer<Context, SqlFunctionServer> started)
            throws InterruptedException {
        SqlConfig cfg = ctx.loadConfig(SqlConfig.class);
        String name = firstNonEmpty(env, NAME_ENVS, cfg.name.isBlank() ? DEFAULT_NAME : cfg.name);
        String address = firstNonEmpty(env, ADDRESS_ENVS, cfg.server.address);
        if (address == null || address.isBlank()) {
            throw new ConfigException(ctx.configFile() + ": server.address: missing (set it in the file or in the env "
                    + "BAETYL_SERVICE_INSTANCE_ADDRESS)");
        }
        Map<String, SqlStatement> functions = new LinkedHashMap<>();
        for (SqlConfig.FunctionConfig f : cfg.functions) {
            functions.put(f.name, f.statement());
        }
        if (functions.isEmpty()) {
            ctx.log().warn("no functions configured: every call will fail with 'function not found'");
        }
        SqlFunctionServer server;
        try {
            server = SqlFunctionServer.start(address, cfg.server, functions);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(ctx.configFile() + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            // Port in use, unknown host, unreadable TLS files: all startup errors, reported in one line.
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException("cannot listen on server address (" + address + "): " + cause.getMessage(), e);
        }
        try (server) {
            ctx.log().info("service started: name={}, address={}, port={}, functions={}", name, address,
                    server.port(), functions.keySet());
            for (Map.Entry<String, SqlStatement> f : functions.entrySet()) {
                ctx.log().debug("function ({}): {}", f.getKey(), f.getValue());
            }
            if (started != null) {
                started.accept(ctx, server);
            }
            ctx.awaitShutdown();
            ctx.log().info("service closing: name={}", name);
        }
        ctx.log().info("service closed: name={}", name);
    }

    private static String firstNonEmpty(Map<String, String> env, String[] names, String fallback) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return fallback;
    }
}
