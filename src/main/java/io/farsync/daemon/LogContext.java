package io.farsync.daemon;

import java.util.Map;
import org.slf4j.MDC;

/**
 * The MDC keys farsync's log lines carry (shown by {@code --log-format json}), and a scope that
 * sets them on the current thread and restores what was there before.
 */
public final class LogContext {
    /** The sync session id (the one snapshots are named by). */
    public static final String SESSION = "session";
    /** The SSH user of a server-side job. */
    public static final String USER = "user";
    /** The other end: a server's client address, or the server a node's job talks to. */
    public static final String PEER = "peer";
    /** The session's row in this node's history database. */
    public static final String HISTORY_ID = "history_id";
    /** A console job's id. */
    public static final String JOB = "job";

    private LogContext() {
    }

    /** What {@link #with} undoes on close. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Puts every non-null value of {@code values} in the MDC until the scope closes. */
    public static Scope with(Map<String, String> values) {
        Map<String, String> before = MDC.getCopyOfContextMap();
        values.forEach((k, v) -> {
            if (v != null) {
                MDC.put(k, v);
            }
        });
        return () -> {
            if (before == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(before);
            }
        };
    }
}
