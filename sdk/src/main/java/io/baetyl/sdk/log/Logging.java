package io.baetyl.sdk.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Configures logback from a {@link LoggerConfig}: always stderr (so systemd's journal and the master see it), plus a
 * rotating file when {@code path} is set. Rotation keeps files for {@code age.max} days, rolls at {@code size.max}
 * MB and caps the total at {@code size.max * (backup.max + 1)} MB, the closest logback gets to lumberjack.
 */
public final class Logging {
    private Logging() {
    }

    /** Console only, at info: used before any config has been read. */
    public static void setupConsole() {
        setup(new LoggerConfig(), null);
    }

    /**
     * (Re)configures logging.
     *
     * @param base directory a relative {@code path} is resolved against (the working dir), or null for the cwd
     */
    public static void setup(LoggerConfig cfg, Path base) {
        setup((LoggerContext) LoggerFactory.getILoggerFactory(), cfg, base);
    }

    static void setup(LoggerContext ctx, LoggerConfig cfg, Path base) {
        ctx.reset();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(toLevel(cfg.level));

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(encoder(ctx, cfg.format));
        console.start();
        root.addAppender(console);

        if (cfg.path != null && !cfg.path.isBlank()) {
            Path file = base == null ? Path.of(cfg.path) : base.resolve(cfg.path);
            RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
            appender.setContext(ctx);
            appender.setName("file");
            appender.setFile(file.toString());
            SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
            policy.setContext(ctx);
            policy.setParent(appender);
            policy.setFileNamePattern(file + ".%d{yyyy-MM-dd}.%i.gz");
            int sizeMb = Math.max(1, cfg.size.max);
            policy.setMaxFileSize(new FileSize(sizeMb * FileSize.MB_COEFFICIENT));
            policy.setMaxHistory(Math.max(1, cfg.age.max));
            policy.setTotalSizeCap(new FileSize((long) sizeMb * (cfg.backup.max + 1) * FileSize.MB_COEFFICIENT));
            policy.start();
            appender.setRollingPolicy(policy);
            appender.setEncoder(encoder(ctx, cfg.format));
            appender.start();
            root.addAppender(appender);
        }
        // Netty and docker-java are chatty at debug; their debug output is not what a Baetyl user asks for.
        ctx.getLogger("io.netty").setLevel(Level.INFO);
        ctx.getLogger("io.grpc").setLevel(Level.INFO);
        ctx.getLogger("com.github.dockerjava").setLevel(Level.INFO);
    }

    static Level toLevel(String level) {
        return switch (level.toLowerCase(Locale.ROOT)) {
            case "debug" -> Level.DEBUG;
            case "warn", "warning" -> Level.WARN;
            case "error", "fatal", "panic" -> Level.ERROR;
            default -> Level.INFO;
        };
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext ctx, String format) {
        if ("json".equals(format)) {
            JsonEncoder json = new JsonEncoder();
            json.setContext(ctx);
            json.setWithArguments(false);
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.start();
            return json;
        }
        return textEncoder(ctx);
    }

    private static Encoder<ILoggingEvent> textEncoder(LoggerContext ctx) {
        TextLayout layout = new TextLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
        enc.setContext(ctx);
        enc.setLayout(layout);
        enc.start();
        return enc;
    }
}
