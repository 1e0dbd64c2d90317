package io.baetyl.sdk.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The text log line of every module: {@code 2026-11-21T10:52:55.107Z INFO  [main] Hub - hub started: ...}, then the
 * stack trace if there is one. Same output as the pattern
 * {@code %d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0} - %msg%n}, written in code because
 * logback's PatternLayout loads its whole converter table (about 90 classes, ~1 MB of a small JVM's footprint)
 * for a format that never changes. The time is written by hand too: {@code DateTimeFormatter} would load its builder,
 * printer-parsers and text providers (about 50 classes) into every module for one fixed format.
 */
public final class TextLayout extends LayoutBase<ILoggingEvent> {
    private static final ZoneId ZONE = ZoneId.systemDefault();

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(128);
        appendTime(sb, event.getTimeStamp(), ZONE);
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

    /** {@code millis} in {@code zone} as {@code yyyy-MM-dd'T'HH:mm:ss.SSSXXX} (XXX: {@code Z}, or {@code +hh:mm}). */
    static void appendTime(StringBuilder sb, long millis, ZoneId zone) {
        ZoneOffset offset = zone.getRules().getOffset(Instant.ofEpochMilli(millis));
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(millis, 1000L),
                (int) Math.floorMod(millis, 1000L) * 1_000_000, offset);
        if (t.getYear() > 9999) {
            sb.append('+'); // as DateTimeFormatter's yyyy writes a year wider than its pad
        }
        pad(sb, t.getYear(), 4).append('-');
        pad(sb, t.getMonthValue(), 2).append('-');
        pad(sb, t.getDayOfMonth(), 2).append('T');
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2).append('.');
        pad(sb, t.getNano() / 1_000_000, 3);
        int seconds = offset.getTotalSeconds();
        if (seconds == 0) {
            sb.append('Z');
            return;
        }
        int abs = Math.abs(seconds);
        sb.append(seconds < 0 ? '-' : '+');
        pad(sb, abs / 3600, 2).append(':');
        pad(sb, abs / 60 % 60, 2);
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(digits);
    }
}
