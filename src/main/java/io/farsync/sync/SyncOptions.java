package io.farsync.sync;

import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.Symlinks;
import java.util.Objects;

/**
 * What a one-way sync does beyond copying changed files. Immutable; start from
 * {@link #defaults()} and change it with the {@code with...} methods. Both endpoints get the same
 * options (they travel in the session request).
 *
 * @param propagateDeletes delete at the destination what was synced before and is gone at the
 *                         source (also enables moves: a moved entry leaves its old path)
 * @param checksum         the whole-file checksum sent with each file and verified before it is
 *                         renamed into place; a mismatch is requested once more, never applied
 * @param deleteDelay      send the deletes last, once every transfer is in place (entries a new
 *                         file or symlink needs out of its way still go first)
 * @param mirror           also delete what exists only at the destination (never synced), so
 *                         the destination becomes an exact copy; needs {@code propagateDeletes}
 * @param maxDelete        refuse the sync (exit {@code DELETE_LIMIT}) above this many deletions
 * @param filter           what the source leaves out (and never deletes at the destination)
 * @param preserveOwner    give entries the source's uid and gid (effective only when the
 *                         destination runs as root; otherwise it warns and leaves owners alone)
 * @param xattrs           carry user.* extended attributes ({@link io.farsync.sync.scan.Xattrs})
 * @param symlinks         what the source does with symbolic links ({@link Symlinks}: links, left
 *                         out, or followed)
 * @param dryRun           change nothing on either side (files, directories, snapshot databases):
 *                         the source plans as usual, the destination says what it would do with
 *                         each entry, and both report that instead of doing it
 */
public record SyncOptions(boolean propagateDeletes, Checksum checksum, boolean deleteDelay, boolean mirror,
        DeleteLimit maxDelete, Filter filter, boolean preserveOwner, boolean xattrs, Symlinks symlinks, boolean dryRun) {

    public SyncOptions {
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(symlinks, "symlinks");
        Objects.requireNonNull(maxDelete, "maxDelete");
        Objects.requireNonNull(filter, "filter");
        if (!propagateDeletes && (mirror || deleteDelay)) {
            throw new IllegalArgumentException((mirror ? "--mirror" : "--delete-delay") + " contradicts --ignore-delete");
        }
    }

    /** A real run (not a dry run). */
    public SyncOptions(boolean propagateDeletes, Checksum checksum, boolean deleteDelay, boolean mirror, DeleteLimit maxDelete,
            Filter filter, boolean preserveOwner, boolean xattrs, Symlinks symlinks) {
        this(propagateDeletes, checksum, deleteDelay, mirror, maxDelete, filter, preserveOwner, xattrs, symlinks, false);
    }

    /** Symbolic links synced as links. */
    public SyncOptions(boolean propagateDeletes, Checksum checksum, boolean deleteDelay, boolean mirror, DeleteLimit maxDelete,
            Filter filter, boolean preserveOwner, boolean xattrs) {
        this(propagateDeletes, checksum, deleteDelay, mirror, maxDelete, filter, preserveOwner, xattrs, Symlinks.COPY);
    }

    /** Owners and extended attributes left alone. */
    public SyncOptions(boolean propagateDeletes, Checksum checksum, boolean deleteDelay, boolean mirror, DeleteLimit maxDelete,
            Filter filter) {
        this(propagateDeletes, checksum, deleteDelay, mirror, maxDelete, filter, false, false);
    }

    /** Deletes propagated at once (or not), xxHash64 verified (or nothing), the default delete limit. */
    public SyncOptions(boolean propagateDeletes, boolean verifyChecksum) {
        this(propagateDeletes, verifyChecksum ? Checksum.XXH64 : Checksum.NONE, false, false, DeleteLimit.DEFAULT, Filter.NONE);
    }

    public static SyncOptions defaults() {
        return new SyncOptions(true, true);
    }

    public SyncOptions withDeleteDelay(boolean delay) {
        return new SyncOptions(propagateDeletes, checksum, delay, mirror, maxDelete, filter, preserveOwner, xattrs, symlinks, dryRun);
    }

    public SyncOptions withMirror(boolean on) {
        return new SyncOptions(propagateDeletes, checksum, deleteDelay, on, maxDelete, filter, preserveOwner, xattrs, symlinks, dryRun);
    }

    public SyncOptions withDryRun(boolean on) {
        return new SyncOptions(propagateDeletes, checksum, deleteDelay, mirror, maxDelete, filter, preserveOwner, xattrs, symlinks, on);
    }

    /** False for {@link Checksum#NONE}. */
    public boolean verifyChecksum() {
        return checksum != Checksum.NONE;
    }

    public SyncOptions withChecksum(Checksum c) {
        return new SyncOptions(propagateDeletes, c, deleteDelay, mirror, maxDelete, filter, preserveOwner, xattrs, symlinks, dryRun);
    }

    public SyncOptions withFilter(Filter f) {
        return new SyncOptions(propagateDeletes, checksum, deleteDelay, mirror, maxDelete, f, preserveOwner, xattrs, symlinks, dryRun);
    }

    public SyncOptions withMaxDelete(DeleteLimit limit) {
        return new SyncOptions(propagateDeletes, checksum, deleteDelay, mirror, limit, filter, preserveOwner, xattrs, symlinks, dryRun);
    }

    public SyncOptions withPreserveOwner(boolean on) {
        return new SyncOptions(propagateDeletes, checksum, deleteDelay, mirror, maxDelete, filter, on, xattrs, symlinks, dryRun);
    }

    public SyncOptions withXattrs(boolean on) {
        return new SyncOptions(propagateDeletes, checksum, deleteDelay, mirror, maxDelete, filter, preserveOwner, on, symlinks, dryRun);
    }

    public SyncOptions withSymlinks(Symlinks mode) {
        return new SyncOptions(propagateDeletes, checksum, deleteDelay, mirror, maxDelete, filter, preserveOwner, xattrs, mode, dryRun);
    }

    /**
     * Which metadata the source's records account for, as noted in its snapshot: a run with
     * other settings than the last one trusts no record (every entry is offered, and the
     * destination's quick check fixes owners or xattrs where they now matter).
     */
    public String metadataKey() {
        return "owner=" + preserveOwner + ",xattrs=" + xattrs;
    }
}
