package io.baetyl.function.sql;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.baetyl.function.sql.query.SqlStatement;
import io.baetyl.function.sql.query.SqlSyntaxException;
import io.baetyl.sdk.config.ByteSize;
import io.baetyl.sdk.config.Validated;
import io.baetyl.sdk.log.LoggerConfig;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * service.yml of the SQL runtime: the same keys as the Python and Node runtimes ({@code name}, {@code server},
 * {@code functions}, {@code logger}), except that a function's {@code handler} is a SQL statement and there is no
 * code directory. The statements are compiled during validation, so a syntax error is a config error that names
 * the function and the position.
 */
public class SqlConfig implements Validated {
    public String name = "";
    public Server server = new Server();
    /** Required (may be empty); null means the key is absent. */
    public List<FunctionConfig> functions;
    public LoggerConfig logger = new LoggerConfig();

    public static class Server {
        /** host:port; usually empty in the file and given by the function manager in the environment. */
        public String address = "";
        /** Grace period for in-flight calls on SIGTERM. */
        public Duration timeout = Duration.ofSeconds(10);
        public Max workers = new Max();
        public Max concurrent = new Max();
        public Message message = new Message();
        public String ca = "";
        public String cert = "";
        public String key = "";
        /** Not in Baetyl 1.x: the passphrase of an encrypted {@link #key}. */
        public String passphrase = "";
    }

    /** A {@code {max: N}} block; null means "not set". */
    public static class Max {
        public Integer max;
    }

    public static class Message {
        public Length length = new Length();
    }

    public static class Length {
        public ByteSize max = ByteSize.parse("4m");
    }

    public static class FunctionConfig {
        public String name = "";
        /** The SQL statement. */
        public String handler = "";
        /** Accepted so that a config written for the Python runtime loads; SQL functions have no code. */
        public String codedir = "";

        @JsonIgnore
        private SqlStatement statement;

        /** The compiled handler; set by {@link SqlConfig#validate()}. */
        public SqlStatement statement() {
            return statement;
        }
    }

    @Override
    public void validate() {
        if (functions == null) {
            throw new IllegalArgumentException("functions: missing (list the functions with name and handler)");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < functions.size(); i++) {
            FunctionConfig f = functions.get(i);
            String where = "functions[" + i + "]";
            if (f == null || f.name.isBlank()) {
                throw new IllegalArgumentException(where + ".name: missing");
            }
            where += " (" + f.name + ")";
            if (!names.add(f.name)) {
                throw new IllegalArgumentException(where + ": function name is used twice");
            }
            if (f.handler.isBlank()) {
                throw new IllegalArgumentException(where + ".handler: missing (a statement such as 'select * where id < 10')");
            }
            try {
                f.statement = SqlStatement.parse(f.handler);
            } catch (SqlSyntaxException e) {
                throw new IllegalArgumentException(where + ".handler: " + e.getMessage() + " in '" + f.handler + "'", e);
            }
        }
        if (server.timeout.isNegative()) {
            throw new IllegalArgumentException("server.timeout: must not be negative");
        }
        if (server.workers.max != null && server.workers.max <= 0) {
            throw new IllegalArgumentException("server.workers.max: must be a positive integer, got " + server.workers.max);
        }
        if (server.concurrent.max != null && server.concurrent.max <= 0) {
            throw new IllegalArgumentException("server.concurrent.max: must be a positive integer, got "
                    + server.concurrent.max);
        }
        if (server.message.length.max.bytes() <= 0 || server.message.length.max.bytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("server.message.length.max: must be between 1 byte and 2g");
        }
        if (server.key.isBlank() != server.cert.isBlank()) {
            throw new IllegalArgumentException("server.key and server.cert: must be set together (TLS)");
        }
        if (!server.ca.isBlank() && server.key.isBlank()) {
            throw new IllegalArgumentException("server.ca: needs server.key and server.cert");
        }
        logger.validate();
    }
}
