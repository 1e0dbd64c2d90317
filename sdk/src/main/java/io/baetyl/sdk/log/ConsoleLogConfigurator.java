package io.baetyl.sdk.log;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * logback's first configuration, before a module has read its {@code logger:} block: info to stderr, done in code.
 * Registered as a service so that logback does not look for a {@code logback.xml}, whose parsing loads its XML
 * configurator and the JDK's XML parser, about 400 classes and 2-3 MB that a module never uses again.
 */
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        // the context is passed in: LoggerFactory is still initializing and must not be asked for it here
        Logging.setup(ctx, new LoggerConfig(), null);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
