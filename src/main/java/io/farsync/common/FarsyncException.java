package io.farsync.common;

/**
 * An error a user should see as one line: what failed and where, with the exit code the
 * process ends with. The cause chain goes to the log, not the terminal.
 */
public class FarsyncException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ExitCode exitCode;

    public FarsyncException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public FarsyncException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
