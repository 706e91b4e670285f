package io.farsync.history;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Which way the data went, seen from the server that records the session. */
public enum Direction {
    /** The server was the source: the client pulled. */
    SEND,
    /** The server was the destination: the client pushed. */
    RECEIVE;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #label()}; throws IllegalArgumentException naming the bad value. */
    public static Direction parse(String label) {
        for (Direction d : values()) {
            if (d.label().equals(label)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown direction: " + label);
    }
}
