package io.baetyl.function.manager;

import baetyl.FunctionGrpc;
import baetyl.FunctionOuterClass.FunctionMessage;
import io.baetyl.sdk.config.ConfigException;
import io.baetyl.sdk.tls.TlsFiles;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional gRPC server ({@code server.address}): {@code baetyl.Function/Call} with {@code FunctionName} picks
 * the function, which is called once through its pool (no retry, as in Baetyl). video-infer calls functions this
 * way. An unknown name answers {@code function (x) not found}.
 */
final class FunctionServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FunctionServer.class);

    private final Server server;
    private final ExecutorService executor;

    private FunctionServer(Server server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static FunctionServer start(ManagerConfig.Server cfg, Map<String, ManagedFunction> functions) throws IOException {
        InetSocketAddress address = parse(cfg.address);
        int workers = cfg.workers.max > 0 ? cfg.workers.max : Runtime.getRuntime().availableProcessors() * 5;
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "fm-server-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // The largest message any function accepts; each function still checks its own limit.
        long maxMessage = functions.values().stream().mapToLong(f -> f.maxMessageBytes()).max().orElse(4 << 20);
        NettyServerBuilder b = NettyServerBuilder.forAddress(address)
                .executor(executor)
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxMessage))
                .addService(new Service(functions));
        if (cfg.concurrent.max > 0) {
            b.maxConcurrentCallsPerConnection(cfg.concurrent.max);
        }
        if (!cfg.cert.isEmpty()) {
            // PKCS#1, PKCS#8, EC or encrypted keys; errors name server.key, the host file and what it holds
            TlsFiles files = new TlsFiles("server", cfg.ca, cfg.cert, cfg.key, cfg.passphrase);
            try {
                TlsFiles.KeyPair pair = files.keyPair();
                SslContextBuilder ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(pair.key(), pair.chain()));
                if (files.hasCa()) {
                    ssl.trustManager(files.trustedCas()).clientAuth(ClientAuth.REQUIRE);
                }
                b.sslContext(ssl.build());
            } catch (IllegalArgumentException e) {
                executor.shutdownNow();
                throw new ConfigException(e.getMessage(), e);
            }
        }
        Server server;
        try {
            server = b.build().start();
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
        log.info("function server started: address={} port={} tls={} functions={}", cfg.address,
                server.getPort(), !cfg.cert.isEmpty(), functions.keySet());
        return new FunctionServer(server, executor);
    }

    static InetSocketAddress parse(String address) {
        String a = address.replaceFirst("^(tcp|grpc)://", "");
        int colon = a.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("server.address: expected host:port, got '" + address + "'");
        }
        String host = a.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("server.address: bad port in '" + address + "'");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    int port() {
        return server.getPort();
    }

    private static final class Service extends FunctionGrpc.FunctionImplBase {
        private final Map<String, ManagedFunction> functions;

        Service(Map<String, ManagedFunction> functions) {
            this.functions = functions;
        }

        @Override
        public void call(FunctionMessage request, StreamObserver<FunctionMessage> out) {
            ManagedFunction f = functions.get(request.getFunctionName());
            if (f == null) {
                out.onError(Status.UNKNOWN.withDescription("function (" + request.getFunctionName() + ") not found")
                        .asRuntimeException());
                return;
            }
            f.call(request).whenComplete((r, e) -> {
                if (e == null) {
                    out.onNext(r);
                    out.onCompleted();
                    return;
                }
                Throwable cause = ManagedFunction.unwrap(e);
                if (cause instanceof StatusRuntimeException s) {
                    out.onError(s.getStatus().asRuntimeException()); // the runtime's status, passed through
                } else {
                    out.onError(Status.UNKNOWN.withDescription(GoErrors.message(cause)).asRuntimeException());
                }
            });
        }
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
