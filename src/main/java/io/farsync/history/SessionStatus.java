package io.farsync.history;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a session is, or how it ended. */
public enum SessionStatus {
    RUNNING,
    /** Every entry is in sync. */
    OK,
    /** Some entries failed; the rest are in sync. */
    PARTIAL,
    /** The session ended with an error (refused, peer vanished, disk full...). */
    FAILED,
    /** Stopped on request (an operator, the daemon shutting down). */
    ABORTED,
    /** Was running when the daemon stopped without recording its end (crash, kill -9). */
    INTERRUPTED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #label()}; throws IllegalArgumentException naming the bad value. */
    public static SessionStatus parse(String label) {
        for (SessionStatus s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status: " + label);
    }
}
