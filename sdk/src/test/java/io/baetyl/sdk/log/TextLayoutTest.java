package io.baetyl.sdk.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TextLayoutTest {
    /** The pattern the modules logged with before TextLayout; logback's own PatternLayout is the reference. */
    private static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0} - %msg%n";

    @ParameterizedTest
    @CsvSource({
        "io.baetyl.hub.Hub, INFO, 'hub started: listeners={}', 1, false",
        "Root, WARN, 'x={} y={}', 2, false",
        "a.b.C$Inner, ERROR, 'failed: {}', boom, true",
        "io.netty.x.Y, DEBUG, '', 0, false",
    })
    void writesWhatThePatternWrote(String loggerName, String level, String message, String arg, boolean thrown) {
        LoggerContext ctx = new LoggerContext();
        Logger logger = ctx.getLogger(loggerName);
        Throwable t = thrown ? new IllegalStateException("kaput", new RuntimeException("root cause")) : null;
        LoggingEvent event = new LoggingEvent("fqcn", logger, Level.toLevel(level), message, t, new Object[] {arg, 7});
        event.setThreadName("hub-accept-1-1");

        PatternLayout reference = new PatternLayout();
        reference.setContext(ctx);
        reference.setPattern(PATTERN);
        reference.start();
        TextLayout layout = new TextLayout();
        layout.setContext(ctx);
        layout.start();

        assertThat(layout.doLayout(event)).isEqualTo(reference.doLayout(event));
    }

    /** The hand-written time against java.time's formatter for the same pattern, in zones with odd offsets and DST. */
    @ParameterizedTest
    @CsvSource({
        "0, UTC",
        "1764499975107, UTC",
        "1764499975007, Asia/Shanghai",
        "1764499975999, America/St_Johns",
        "1751328000000, America/St_Johns",
        "1764499975107, Asia/Kathmandu",
        "1711846800000, Europe/Berlin",
        "1711846799999, Europe/Berlin",
        "-1, UTC",
        "-86400001, America/New_York",
        "253402300799999, Pacific/Auckland",
    })
    void writesTheTimeAsTheFormatterWould(long millis, String zone) {
        ZoneId id = ZoneId.of(zone);
        StringBuilder sb = new StringBuilder();
        TextLayout.appendTime(sb, millis, id);
        String expected = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(id)
                .format(Instant.ofEpochMilli(millis));
        assertThat(sb).hasToString(expected);
    }
}
