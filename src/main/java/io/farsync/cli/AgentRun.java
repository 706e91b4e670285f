package io.farsync.cli;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * The agent's handle on one command it runs for a client ({@link Agent}): the client's Ctrl-C
 * reaches the run through {@link #cancel}, and a command the agent cannot run as the client's own
 * JVM would is handed back ({@link #decline}): the client then runs it itself.
 */
final class AgentRun {
    /** Returned by {@code Main.run} for a declined command; never a process's exit status. */
    static final int DECLINED = -1;

    /** Thrown by a command that the agent should hand back to its client. */
    static final class Declined extends RuntimeException {
        Declined(String why) {
            super(why, null, false, false);
        }
    }

    private final io.farsync.session.SshConnections connections;
    private Consumer<String> abort;
    private String cancelled;
    private volatile String declined;

    AgentRun(io.farsync.session.SshConnections connections) {
        this.connections = connections;
    }

    /** The agent's kept SSH connections, for the run's session. */
    io.farsync.session.SshConnections connections() {
        return connections;
    }

    /**
     * Refuses what only the client's own JVM does as asked: continuous mode (it waits for signals
     * and ends the JVM) and JSON log lines (logback's encoder is the whole agent's).
     */
    void checkCanRun(boolean continuous, LogFormat format) {
        if (continuous) {
            throw new Declined("--continuous runs in its own process");
        }
        if (!format.format.toLowerCase(Locale.ROOT).equals("text")) {
            throw new Declined("--log-format " + format.format + " runs in its own process");
        }
    }

    /** Records why the run was handed back; returns {@link #DECLINED}. */
    int decline(String why) {
        declined = why;
        return DECLINED;
    }

    /** Why the command was handed back to the client; null if it was not. */
    String declined() {
        return declined;
    }

    /** Registers what stops the run; if the client already cancelled, stops it at once. */
    synchronized void onCancel(Consumer<String> abort) {
        this.abort = abort;
        if (cancelled != null) {
            abort.accept(cancelled);
        }
    }

    /** The client asked to stop (Ctrl-C) or went away. */
    void cancel(String reason) {
        Consumer<String> a;
        synchronized (this) {
            if (cancelled != null) {
                return;
            }
            cancelled = reason;
            a = abort;
        }
        if (a != null) {
            a.accept(reason);
        }
    }
}
