package io.farsync.sync;

import io.farsync.sync.filter.Filter;
import java.util.Objects;

/**
 * What a one-way sync does beyond copying changed files. Immutable; start from
 * {@link #defaults()} and change it with the {@code with...} methods. Both endpoints get the same
 * options (they travel in the session request).
 *
 * @param propagateDeletes delete at the destination what was synced before and is gone at the
 *                         source (also enables moves: a moved entry leaves its old path)
 * @param verifyChecksum   send an xxHash64 of each file and verify it before the file is renamed into place
 * @param deleteDelay      send the deletes last, once every transfer is in place (entries a new
 *                         file or symlink needs out of its way still go first)
 * @param mirror           also delete what exists only at the destination (never synced), so
 *                         the destination becomes an exact copy; needs {@code propagateDeletes}
 * @param maxDelete        refuse the sync (exit {@code DELETE_LIMIT}) above this many deletions
 * @param filter           what the source leaves out (and never deletes at the destination)
 */
public record SyncOptions(boolean propagateDeletes, boolean verifyChecksum, boolean deleteDelay, boolean mirror,
        DeleteLimit maxDelete, Filter filter) {

    public SyncOptions {
        Objects.requireNonNull(maxDelete, "maxDelete");
        Objects.requireNonNull(filter, "filter");
        if (!propagateDeletes && (mirror || deleteDelay)) {
            throw new IllegalArgumentException((mirror ? "--mirror" : "--delete-delay") + " contradicts --ignore-delete");
        }
    }

    /** Deletes propagated at once, checksums verified, the default delete limit. */
    public SyncOptions(boolean propagateDeletes, boolean verifyChecksum) {
        this(propagateDeletes, verifyChecksum, false, false, DeleteLimit.DEFAULT, Filter.NONE);
    }

    public static SyncOptions defaults() {
        return new SyncOptions(true, true);
    }

    public SyncOptions withDeleteDelay(boolean delay) {
        return new SyncOptions(propagateDeletes, verifyChecksum, delay, mirror, maxDelete, filter);
    }

    public SyncOptions withMirror(boolean on) {
        return new SyncOptions(propagateDeletes, verifyChecksum, deleteDelay, on, maxDelete, filter);
    }

    public SyncOptions withFilter(Filter f) {
        return new SyncOptions(propagateDeletes, verifyChecksum, deleteDelay, mirror, maxDelete, f);
    }

    public SyncOptions withMaxDelete(DeleteLimit limit) {
        return new SyncOptions(propagateDeletes, verifyChecksum, deleteDelay, mirror, limit, filter);
    }
}
