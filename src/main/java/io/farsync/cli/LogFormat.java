package io.farsync.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --log-format text|json} for the long-running commands (server, console, sync): the
 * same stderr log, either as the readable lines of {@code logback.xml} or as one JSON object per
 * line from logback's own {@link JsonEncoder} (level, loggerName, threadName, formattedMessage, timestamp, and
 * the MDC: {@code session}, {@code peer}, {@code user}, {@code history_id}, {@code job}), for log
 * collectors. The default comes from {@code FARSYNC_LOG_FORMAT}.
 */
final class LogFormat {
    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:FARSYNC_LOG_FORMAT:-text}",
            description = "log lines on stderr as text or as JSON objects, one per line (default: FARSYNC_LOG_FORMAT or text)")
    String format = "text";

    /** Switches the stderr appender's encoder; throws USAGE for an unknown format. */
    void apply() {
        boolean json = switch (format.toLowerCase(Locale.ROOT)) {
            case "json" -> true;
            case "text" -> false;
            default -> throw new FarsyncException(ExitCode.USAGE, "unknown --log-format '" + format + "': expected text or json");
        };
        if (json) {
            useJson();
        }
    }

    /** Replaces the encoder of logback.xml's STDERR appender with a JSON one. */
    static void useJson() {
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (!(root.getAppender("STDERR") instanceof ConsoleAppender<ILoggingEvent> stderr)) {
            return; // a logging configuration of the user's own: leave it alone
        }
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(logback);
        // the message as a person reads it; the raw template and arguments would be noise
        encoder.setWithFormattedMessage(true);
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.setWithContext(false);
        encoder.setWithSequenceNumber(false);
        encoder.start();
        replace(stderr, encoder);
    }

    private static void replace(ConsoleAppender<ILoggingEvent> appender, Encoder<ILoggingEvent> encoder) {
        appender.stop();
        appender.setEncoder(encoder);
        appender.start();
    }
}
