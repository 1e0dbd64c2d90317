package io.baetyl.hub;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import io.baetyl.sdk.log.Logging;

/**
 * logback's first configuration (before the SDK reads the service's logger settings), done in code: logback
 * otherwise parses the bundled {@code logback.xml}, which loads its XML configurator and the JDK's XML parser, about
 * 400 classes and 2-3 MB of metaspace that a hub aiming at a small idle footprint never uses again. Same result as
 * that file: info to stderr.
 */
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(Logging.textEncoder(ctx));
        console.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        ctx.getLogger("io.netty").setLevel(Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
