package io.farsync.sync;

import java.util.Locale;

/**
 * How bidirectional sync settles a path changed on both sides since the last sync
 * ({@code --conflict}). Whatever the policy, a directory beats a file or symlink at the same path,
 * and the file or symlink is kept as a conflict copy.
 */
public enum ConflictPolicy {
    /** The newer version (by mtime; a tie goes to SRC) keeps the name, the other is kept as a conflict copy. */
    KEEP_BOTH("keep-both"),
    /** The newer version (by mtime; a tie goes to SRC) wins; the other is overwritten. */
    NEWEST("newest"),
    /** SRC's version wins; DST's is overwritten. */
    SOURCE("source"),
    /** DST's version wins; SRC's is overwritten. */
    DEST("dest");

    private final String label;

    ConflictPolicy(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Parses {@code keep-both|newest|source|dest}; throws IllegalArgumentException naming the bad value. */
    public static ConflictPolicy parse(String s) {
        for (ConflictPolicy p : values()) {
            if (p.label.equals(s.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown --conflict '" + s + "': expected keep-both, newest, source or dest");
    }
}
