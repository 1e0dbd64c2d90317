package io.baetyl.function.sql;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.baetyl.function.sql.query.MessageInfo;
import io.baetyl.function.sql.query.SqlStatement;
import io.baetyl.sdk.tls.TlsFiles;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gRPC server of {@code baetyl.Function/Call}: each call runs the named function's statement on the payload. */
public final class SqlFunctionServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqlFunctionServer.class);
    /** The prefix Python's grpcio puts on handler errors; kept so every runtime's errors read the same. */
    static final String ERR_PREFIX = "Exception calling application: ";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Server server;
    private final Duration grace;

    private SqlFunctionServer(Server server, Duration grace) {
        this.server = server;
        this.grace = grace;
    }

    /**
     * Binds and starts the server.
     *
     * @param functions function name to compiled statement
     * @throws IOException when the address cannot be bound
     */
    public static SqlFunctionServer start(String address, SqlConfig.Server cfg, Map<String, SqlStatement> functions)
            throws IOException {
        SocketAddress bind = parseAddress(address);
        ServerCredentials creds = InsecureServerCredentials.create();
        if (!cfg.key.isBlank()) {
            // PKCS#1, PKCS#8, EC or encrypted keys; errors name server.key, the host file and what it holds
            TlsFiles files = new TlsFiles("server", cfg.ca, cfg.cert, cfg.key, cfg.passphrase);
            TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
                    .keyManager(files.keyPair().keyManagers());
            if (files.hasCa()) {
                tls.trustManager(files.trustManagers());
                tls.clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
            }
            creds = tls.build();
        }
        int maxLength = (int) cfg.message.length.max.bytes();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(bind, creds)
                .maxInboundMessageSize(maxLength)
                // Evaluating a statement never blocks and takes microseconds, so it runs on the network threads;
                // a separate worker pool would only add a hand-off and memory.
                .directExecutor()
                .addService(new Service(Map.copyOf(functions)));
        if (cfg.concurrent.max != null) {
            builder.maxConcurrentCallsPerConnection(cfg.concurrent.max);
        }
        Server server = builder.build().start();
        return new SqlFunctionServer(server, cfg.timeout);
    }

    /** {@code host:port}, {@code :port} (all interfaces) or {@code [v6]:port}; a {@code tcp://} prefix is dropped. */
    static SocketAddress parseAddress(String address) {
        String a = address.trim();
        if (a.toLowerCase(Locale.ROOT).startsWith("tcp://")) {
            a = a.substring("tcp://".length());
        }
        int colon = a.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("server.address: '" + address + "' must be host:port");
        }
        String host = a.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("server.address: '" + address + "' has no valid port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("server.address: '" + address + "' has no valid port");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /** The bound port (useful when the address asked for port 0). */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    /** Stops taking calls, lets in-flight calls finish within {@code server.timeout}, then cuts the rest. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("calls still running after the grace period, cancelling them: grace={}", grace);
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }

    static final class Service extends FunctionGrpc.FunctionImplBase {
        private final Map<String, SqlStatement> functions;

        Service(Map<String, SqlStatement> functions) {
            this.functions = functions;
        }

        @Override
        public void call(FunctionMessage request, StreamObserver<FunctionMessage> response) {
            String name = request.getFunctionName();
            SqlStatement statement = functions.get(name);
            if (statement == null) {
                log.error("function ({}) not found", name);
                fail(response, "function (" + name + ") not found");
                return;
            }
            ObjectNode payload;
            try {
                payload = decode(request.getPayload());
            } catch (BadPayload e) {
                log.error("function ({}): {}: topic={}, invokeid={}", name, e.getMessage(), request.getTopic(),
                        request.getFunctionInvokeID());
                fail(response, "[UserCodeInvoke] function (" + name + "): " + e.getMessage());
                return;
            }
            ByteString out;
            try {
                MessageInfo info = new MessageInfo(request.getQOS(), request.getTopic(), "", request.getTimestamp());
                out = statement.apply(payload, info)
                        .map(SqlFunctionServer::encode)
                        .orElse(ByteString.EMPTY);
            } catch (RuntimeException e) {
                // The evaluator is total; this is a bug, but the caller still deserves the usual error shape.
                log.error("function ({}): evaluation failed", name, e);
                fail(response, "[UserCodeInvoke] function (" + name + "): " + e);
                return;
            }
            log.debug("function ({}) called: topic={}, output bytes={}", name, request.getTopic(), out.size());
            response.onNext(request.toBuilder().setPayload(out).build());
            response.onCompleted();
        }

        private static void fail(StreamObserver<FunctionMessage> response, String message) {
            response.onError(Status.UNKNOWN.withDescription(ERR_PREFIX + message).asRuntimeException());
        }
    }

    /** Like the other runtimes, an empty payload counts as {@code {}}; anything else must be a JSON object. */
    static ObjectNode decode(ByteString payload) throws BadPayload {
        if (payload.isEmpty()) {
            return JsonNodeFactory.instance.objectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(payload.newInput());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new BadPayload("payload is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new BadPayload("payload is not valid JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            String type = node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
            throw new BadPayload("payload must be a JSON object, got " + (type.equals("array") ? "an " : "a ") + type);
        }
        return (ObjectNode) node;
    }

    private static ByteString encode(ObjectNode out) {
        try {
            return ByteString.copyFrom(JSON.writeValueAsBytes(out));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode result", e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static final class BadPayload extends Exception {
        BadPayload(String message) {
            super(message);
        }
    }
}
