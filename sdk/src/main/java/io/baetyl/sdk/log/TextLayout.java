package io.baetyl.sdk.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * The text log line of every module: {@code 2026-11-21T10:52:55.107Z INFO  [main] Hub - hub started: ...}, then the
 * stack trace if there is one. Same output as the pattern
 * {@code %d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0} - %msg%n}, written in code because
 * logback's PatternLayout loads its whole converter table (about 90 classes, ~1 MB of a small JVM's footprint)
 * for a format that never changes.
 */
public final class TextLayout extends LayoutBase<ILoggingEvent> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneId.systemDefault());

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(128);
        TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()), sb);
        sb.append(' ');
        String level = event.getLevel().toString();
        sb.append(level);
        for (int i = level.length(); i < 5; i++) {
            sb.append(' ');
        }
        sb.append(" [").append(event.getThreadName()).append("] ");
        String logger = event.getLoggerName();
        sb.append(logger, logger.lastIndexOf('.') + 1, logger.length());
        sb.append(" - ").append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            sb.append(ThrowableProxyUtil.asString(thrown)); // ends with a line separator
        }
        return sb.toString();
    }
}
