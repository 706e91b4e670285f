package io.farsync.sync;

import java.util.Locale;

/**
 * How many deletions one sync may make at the destination before it refuses to start (the guard
 * against a source that was unmounted, emptied or pointed at the wrong directory).
 *
 * <p>The default refuses when more than half of a tree of more than 100 recorded entries would
 * go: a real clean-up of half a large tree is rare and easy to confirm with {@code --max-delete},
 * while an unmounted disk or a wrong path deletes nearly everything. Small trees (100 entries or
 * fewer) are exempt, since there a few deletes are already a large fraction. A source root that
 * is empty while the snapshot recorded entries is refused at any size unless the limit is
 * {@link #UNLIMITED} ({@code --max-delete 100%}).
 *
 * @param maxCount      most deletions allowed
 * @param maxFraction   most deletions allowed as a fraction of the entries recorded in the snapshot
 * @param minTreeSize   the fraction applies only to snapshots with more entries than this
 */
public record DeleteLimit(long maxCount, double maxFraction, long minTreeSize) {

    public static final DeleteLimit DEFAULT = new DeleteLimit(Long.MAX_VALUE, 0.5, 100);
    public static final DeleteLimit UNLIMITED = new DeleteLimit(Long.MAX_VALUE, 1.0, 0);

    public DeleteLimit {
        if (maxCount < 0) {
            throw new IllegalArgumentException("maxCount (" + maxCount + ") must not be negative");
        }
        if (!(maxFraction >= 0 && maxFraction <= 1)) {
            throw new IllegalArgumentException("maxFraction (" + maxFraction + ") must be within 0..1");
        }
    }

    /** Parses {@code N} (a count) or {@code N%} (a percentage of the recorded entries, 0..100). */
    public static DeleteLimit parse(String text) {
        String t = text.trim();
        try {
            if (t.endsWith("%")) {
                double percent = Double.parseDouble(t.substring(0, t.length() - 1).trim());
                if (!(percent >= 0 && percent <= 100)) {
                    throw new IllegalArgumentException("--max-delete " + text + ": percentage must be within 0..100");
                }
                return percent == 100 ? UNLIMITED : new DeleteLimit(Long.MAX_VALUE, percent / 100, 0);
            }
            long n = Long.parseLong(t);
            if (n < 0) {
                throw new IllegalArgumentException("--max-delete " + text + ": must not be negative");
            }
            return new DeleteLimit(n, 1.0, 0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--max-delete '" + text + "': expected a count (e.g. 500) or a percentage (e.g. 20%)");
        }
    }

    /** The form {@link #parse} reads back (the default has its own name). */
    public String format() {
        if (equals(DEFAULT)) {
            return "default";
        }
        if (maxCount != Long.MAX_VALUE) {
            return Long.toString(maxCount);
        }
        return String.format(Locale.ROOT, "%s%%", Double.toString(maxFraction * 100));
    }

    /** Reads {@link #format()}'s output. */
    public static DeleteLimit fromString(String s) {
        return s.equals("default") ? DEFAULT : parse(s);
    }

    public boolean unlimited() {
        return maxCount == Long.MAX_VALUE && maxFraction >= 1.0;
    }

    /** What every line about withheld deletes contains ({@link #withheld}). */
    public static final String WITHHELD = "deletes withheld by --max-delete";

    /**
     * The entry error of a continuous pass that withheld its {@code deletes} deletions for the
     * reason {@code why} ({@link #refusal}); it names {@link #WITHHELD}.
     */
    public static String withheld(long deletes, String why) {
        return String.format(Locale.ROOT, "%d %s (%s); everything else was synced, and the next passes try again"
                + " (raise --max-delete to allow them)", deletes, WITHHELD, why);
    }

    /** The deletes an entry error line ("path: N deletes withheld ...") reports withheld; 0 if it is about something else. */
    public static long withheldIn(String errorLine) {
        int at = errorLine.indexOf(" " + WITHHELD);
        int from = errorLine.lastIndexOf(' ', at - 1) + 1;
        try {
            return at < 0 ? 0 : Long.parseLong(errorLine.substring(from, at));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Why {@code deletes} deletions out of {@code recorded} synced entries are too many, or null if they are not. */
    String refusal(long deletes, long recorded) {
        return refusal(deletes, recorded, "synced entries");
    }

    /**
     * Why {@code deletes} deletions out of {@code base} entries are too many, or null if they are
     * not; {@code what} names the base in the message ("synced entries").
     */
    String refusal(long deletes, long base, String what) {
        if (deletes > maxCount) {
            return "refusing to delete " + deletes + " entries at the destination: more than --max-delete " + maxCount;
        }
        if (base > minTreeSize && deletes > maxFraction * base) {
            return String.format(Locale.ROOT, "refusing to delete %d of %d %s (%.0f%%) at the destination: more than %s%s",
                    deletes, base, what, 100.0 * deletes / base, equals(DEFAULT) ? "the default limit of " : "--max-delete ",
                    Math.round(maxFraction * 100) + "%");
        }
        return null;
    }
}
