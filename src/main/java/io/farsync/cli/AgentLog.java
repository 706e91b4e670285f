package io.farsync.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.io.PrintStream;
import org.slf4j.LoggerFactory;

/**
 * Log lines of a run the agent does for a client go to that client's stderr, as they would
 * without an agent; the agent's own lines (and a run's after it ended) go to the agent's log.
 * A run's threads are found by an inheritable thread-local set on the run's first thread: the
 * transport's, scanners' and endpoints' threads are started by the run and inherit it.
 */
final class AgentLog {
    /** The run a thread works for, if any. */
    private static final InheritableThreadLocal<Sink> RUN = new InheritableThreadLocal<>();
    private static final String APPENDER = "AGENT_CLIENT";
    /** logback.xml's, should its encoder not say. */
    private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n";

    /** One run's stderr, open while the run is. */
    static final class Sink implements AutoCloseable {
        private final PrintStream err;
        private volatile boolean open = true;

        Sink(PrintStream err) {
            this.err = err;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    private AgentLog() {
    }

    /** Sends the calling thread's log lines, and those of the threads it starts, to {@code err} until closed. */
    static Sink bind(PrintStream err) {
        Sink sink = new Sink(err);
        RUN.set(sink);
        return sink;
    }

    /** Releases the calling thread (the agent's own threads log to the agent's log). */
    static void unbind() {
        RUN.remove();
    }

    /**
     * The open run the calling thread works for. Not for the common pool's threads: they inherit
     * the run of whichever thread made them and then serve every run's tasks.
     */
    private static Sink current() {
        if (Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread) {
            return null;
        }
        Sink s = RUN.get();
        return s != null && s.open ? s : null;
    }

    /** The pattern of the STDERR appender's lines, so that a run's lines look as without an agent. */
    private static String pattern(Appender<ILoggingEvent> stderr) {
        if (stderr instanceof ch.qos.logback.core.OutputStreamAppender<ILoggingEvent> o
                && o.getEncoder() instanceof LayoutWrappingEncoder<ILoggingEvent> e && e.getLayout() instanceof PatternLayout p) {
            return p.getPattern();
        }
        return PATTERN;
    }

    /**
     * Installs the routing: an appender that writes a run's events to its client, and a filter
     * that keeps them out of logback.xml's stderr appender (the agent's log). Does nothing under
     * a logging configuration of the user's own.
     */
    static synchronized void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext logback)) {
            return;
        }
        ch.qos.logback.classic.Logger root = logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> stderr = root.getAppender("STDERR");
        if (stderr == null || root.getAppender(APPENDER) != null) {
            return;
        }
        stderr.addFilter(new Filter<>() {
            @Override
            public FilterReply decide(ILoggingEvent event) {
                return current() != null ? FilterReply.DENY : FilterReply.NEUTRAL;
            }
        });
        PatternLayout layout = new PatternLayout();
        layout.setContext(logback);
        layout.setPattern(pattern(stderr));
        layout.start();
        // unsynchronized: a client that stops reading (Ctrl-Z) blocks its own run's logging, not every run's
        UnsynchronizedAppenderBase<ILoggingEvent> toClient = new UnsynchronizedAppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                Sink s = current();
                if (s != null) {
                    s.err.print(layout.doLayout(event));
                }
            }
        };
        toClient.setContext(logback);
        toClient.setName(APPENDER);
        toClient.start();
        root.addAppender(toClient);
    }
}
