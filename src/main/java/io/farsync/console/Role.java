package io.farsync.console;

import java.util.Locale;

/** What a console user may do; each role may do everything the ones before it may. */
public enum Role {
    /** Sees nodes, running sessions, history. */
    VIEWER,
    /** Also starts and stops sync jobs. */
    OPERATOR,
    /** Also registers and removes nodes, and reads the audit log. */
    ADMIN;

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a label; throws IllegalArgumentException naming the bad value. */
    public static Role parse(String label) {
        for (Role r : values()) {
            if (r.label().equalsIgnoreCase(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role: " + label + " (admin, operator or viewer)");
    }
}
