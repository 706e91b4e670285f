package io.farsync.sync.protocol;

/** What the destination did with one entry, carried by {@link Message.Ack}. */
public enum Outcome {
    /** File contents were received and renamed into place. */
    TRANSFERRED,
    /** A directory was created. */
    DIRECTORY,
    /** A symlink was created or replaced. */
    SYMLINK,
    /** The destination had the entry; only its mode or mtime were fixed. */
    METADATA,
    /** The destination already had the entry exactly (quick check). */
    UNCHANGED,
    /** A {@link Message.Move} was applied: the entry (and its subtree) was renamed. */
    MOVED,
    /** The entry was deleted. */
    DELETED,
    /** A delete found nothing to delete. */
    GONE,
    /** A delete left a directory that still holds entries unknown to the source. */
    LEFT,
    /** A delete was refused: the destination copy changed since it was synced. An error. */
    KEPT,
    /** The entry could not be applied. An error; the detail says why. */
    FAILED,
    /** A {@link Message.Link} was applied: the entry is now a hard link to its target (or, where linking failed, a local copy of it). */
    LINKED;

    /** True if the source may record the entry as in sync (or forget a deleted one). */
    public boolean settled() {
        return this != FAILED;
    }
}
