package io.baetyl.hub.server;

import io.baetyl.hub.config.HubConfig;
import io.baetyl.sdk.tls.TlsFiles;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of the ssl and wss listeners. The certificate files are read and checked at start ({@link #check}): a
 * missing file, a key that is not one or does not belong to the certificate, or an unreadable CA stops the hub with
 * a one-line error, as before. The TLS context itself (JSSE and Netty's) is built on the first TLS connection, on a
 * thread of its own, while that connection's reads wait ({@link TlsPending}).
 *
 * <p>Why not at start: the context loads the JDK's TLS stack and its default trust store, and Netty probes it with an
 * engine of its own. In the native example, whose 8883 listener no client uses, that was 5 MB of the hub's RSS and
 * 0.2 s of its start; the first TLS connection waits that 0.2 s instead (docs/PERFORMANCE.md, "Fifteenth pass").
 */
final class ListenerTls {
    private static final Logger log = LoggerFactory.getLogger(ListenerTls.class);

    /** Builds the context from checked files; a parameter so that a test can make it fail. */
    interface Builder {
        SslContext build(TlsFiles.KeyPair pair, X509Certificate[] cas) throws SSLException;
    }

    private final String describe;
    private final TlsFiles.KeyPair pair;
    private final X509Certificate[] cas;
    private final Builder builder;
    private final Executor setup;
    private CompletableFuture<SslContext> context;
    private volatile SslContext ready;

    /** {@code setup} runs the one build: a thread of its own in the hub, the test's thread in unit tests. */
    ListenerTls(String describe, TlsFiles.KeyPair pair, X509Certificate[] cas, Builder builder, Executor setup) {
        this.describe = describe;
        this.pair = pair;
        this.cas = cas;
        this.builder = builder;
        this.setup = setup;
    }

    /**
     * Reads and checks the {@code certificate} files now; {@link IllegalArgumentException} names the key, the host file
     * and what it holds ({@link TlsFiles}).
     */
    static ListenerTls check(HubConfig.Certificate c) {
        TlsFiles files = new TlsFiles("certificate", c.ca, c.cert, c.key, c.passphrase);
        TlsFiles.KeyPair pair = files.keyPair();
        X509Certificate[] cas = files.trustedCas();
        log.info("tls: certificate {}, key format {}, {} CA certificate(s); set up on the first TLS connection",
                pair.chain()[0].getSubjectX500Principal().getName(), pair.keyFormat(), cas.length);
        return new ListenerTls("cert=" + c.cert + ", key=" + c.key + ", ca=" + c.ca, pair, cas, ListenerTls::build,
                ListenerTls::ownThread);
    }

    private static void ownThread(Runnable build) {
        Thread t = new Thread(build, "hub-tls-setup");
        t.setDaemon(true);
        t.start();
    }

    /** Like baetyl-hub: a client certificate is verified if given (and is then a login without password). */
    static SslContext build(TlsFiles.KeyPair pair, X509Certificate[] cas) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(pair.key(), pair.chain());
        if (cas.length > 0) {
            b.trustManager(cas).clientAuth(ClientAuth.OPTIONAL);
        }
        return b.build();
    }

    /** The context if it is built, else null. */
    SslContext ready() {
        return ready;
    }

    /**
     * The context, built once at the first call (off the event loop). A context that cannot be built fails every TLS
     * connection; the reason is logged once, as an error.
     */
    CompletableFuture<SslContext> context() {
        CompletableFuture<SslContext> c;
        synchronized (this) {
            if (context != null) {
                return context;
            }
            c = context = new CompletableFuture<>();
        }
        setup.execute(() -> buildInto(c));
        return c;
    }

    /** Runs on {@code setup}; completes {@code result}, the future {@link #context()} handed out. */
    private void buildInto(CompletableFuture<SslContext> result) {
        long started = System.nanoTime();
        try {
            SslContext built = builder.build(pair, cas);
            ready = built;
            log.info("tls: set up in {} ms, for the first TLS connection", (System.nanoTime() - started) / 1_000_000);
            result.complete(built);
        } catch (SSLException | RuntimeException e) {
            log.error("certificate: cannot set up TLS with {}: {}; TLS connections are closed", describe, e.getMessage());
            result.completeExceptionally(e);
        }
    }
}
