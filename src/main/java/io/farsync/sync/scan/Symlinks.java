package io.farsync.sync.scan;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a source does with the symbolic links it finds ({@code --symlinks}).
 * <ul>
 *   <li>{@link #COPY}: a link is synced as a link (its target text, never followed), the default;</li>
 *   <li>{@link #SKIP}: links are left out of the sync on both sides: not sent, and a link at the
 *       destination is never deleted for it (nor a file where the source now has a link);</li>
 *   <li>{@link #FOLLOW}: a link is synced as what it points to, a file or a directory with its
 *       contents (rsync's {@code --copy-links}); one without a referent, or one that leads to a
 *       directory holding it (a loop), is an error for that path, and nothing there is deleted.</li>
 * </ul>
 */
public enum Symlinks {
    COPY, SKIP, FOLLOW;

    /** The option's value: {@code copy}, {@code skip} or {@code follow}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #label()}; throws IllegalArgumentException naming the choices. */
    public static Symlinks parse(String label) {
        for (Symlinks s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("--symlinks " + label + ": expected one of "
                + String.join(", ", Arrays.stream(values()).map(Symlinks::label).toList()));
    }
}
