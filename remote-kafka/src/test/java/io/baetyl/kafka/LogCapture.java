package io.baetyl.kafka;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Records the formatted log lines of a package while open. */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger logger;
    final List<String> lines = new CopyOnWriteArrayList<>();

    LogCapture(String name) {
        logger = (Logger) LoggerFactory.getLogger(name);
        start();
        logger.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent e) {
        lines.add(e.getLevel() + " " + e.getFormattedMessage());
    }

    boolean contains(String... parts) {
        return lines.stream().anyMatch(l -> java.util.Arrays.stream(parts).allMatch(l::contains));
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
