package io.baetyl.hub.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.baetyl.sdk.testing.TestPki;
import io.baetyl.sdk.tls.TlsFiles;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The listeners' TLS set up on the first TLS connection ({@link ListenerTls}, {@link TlsPending}), with real PEM files
 * from openssl. The build runs when the test says, on the test's thread, so that each state can be looked at.
 */
@Timeout(60)
class TlsPendingTest {
    @TempDir
    static Path dir;
    static TlsFiles.KeyPair pair;
    static X509Certificate[] cas;

    @BeforeAll
    static void pki() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        TestPki.Leaf leaf = pki.issue("hub", TestPki.KeyFormat.EC);
        TlsFiles files = new TlsFiles("certificate", pki.ca.toString(), leaf.cert().toString(), leaf.key().toString(),
                null);
        pair = files.keyPair();
        cas = files.trustedCas();
    }

    private static EmbeddedChannel connection(ListenerTls tls) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(PipelineNames.SSL, new TlsPending(tls));
        return ch;
    }

    @Test
    void readsWaitForTheSetUpThenTheTlsHandlerTakesItsPlace() {
        List<Runnable> setup = new ArrayList<>();
        ListenerTls tls = new ListenerTls("test files", pair, cas, ListenerTls::build, setup::add);
        EmbeddedChannel first = connection(tls);
        EmbeddedChannel second = connection(tls);

        assertThat(setup).as("one build for every connection waiting on it").hasSize(1);
        assertThat(tls.ready()).isNull();
        for (EmbeddedChannel ch : List.of(first, second)) {
            assertThat(ch.config().isAutoRead()).as("the socket is not read meanwhile").isFalse();
            assertThat(ReadGate.of(ch).holds(ReadGate.Reason.TLS_SETUP)).isTrue();
        }

        setup.get(0).run();
        for (EmbeddedChannel ch : List.of(first, second)) {
            ch.runPendingTasks();
            assertThat(ch.pipeline().get(PipelineNames.SSL)).isInstanceOf(SslHandler.class);
            assertThat(ch.pipeline().get(TlsPending.class)).isNull();
            assertThat(ch.config().isAutoRead()).isTrue();
            assertThat(ch.isOpen()).isTrue();
        }
        assertThat(tls.ready()).as("later connections get the TLS handler at once").isNotNull();
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void anotherReasonStillHoldsTheReadsAfterTheSetUp() {
        List<Runnable> setup = new ArrayList<>();
        ListenerTls tls = new ListenerTls("test files", pair, cas, ListenerTls::build, setup::add);
        EmbeddedChannel ch = connection(tls);
        ReadGate.of(ch).pause(ReadGate.Reason.CONNECTING);

        setup.get(0).run();
        ch.runPendingTasks();
        assertThat(ch.pipeline().get(PipelineNames.SSL)).isInstanceOf(SslHandler.class);
        assertThat(ch.config().isAutoRead()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aContextThatCannotBeBuiltClosesTlsConnectionsAndSaysWhyOnce() {
        Logger logger = (Logger) LoggerFactory.getLogger(ListenerTls.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.setContext(logger.getLoggerContext());
        log.start();
        logger.addAppender(log);
        try {
            List<Runnable> setup = new ArrayList<>();
            ListenerTls tls = new ListenerTls("cert=c.pem, key=c.key, ca=null", pair, cas, (p, c) -> {
                throw new SSLException("no usable cipher suite");
            }, setup::add);
            EmbeddedChannel first = connection(tls);
            setup.get(0).run();
            first.runPendingTasks();
            assertThat(first.isOpen()).isFalse();

            EmbeddedChannel later = connection(tls);
            later.runPendingTasks();
            assertThat(later.isOpen()).as("a later TLS connection is closed too").isFalse();
            assertThat(setup).as("without building again").hasSize(1);

            assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                    "certificate: cannot set up TLS with cert=c.pem, key=c.key, ca=null: no usable cipher suite;"
                            + " TLS connections are closed");
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void aConnectionClosedWhileWaitingIsLeftClosed() {
        List<Runnable> setup = new ArrayList<>();
        ListenerTls tls = new ListenerTls("test files", pair, cas, ListenerTls::build, setup::add);
        EmbeddedChannel gone = connection(tls);
        gone.close();

        setup.get(0).run();
        gone.runPendingTasks();
        gone.checkException();
        assertThat(gone.isOpen()).isFalse();
        assertThat(tls.ready()).isNotNull();
    }
}
