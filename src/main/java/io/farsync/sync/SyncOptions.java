package io.farsync.sync;

/**
 * What a one-way sync does beyond copying changed files.
 *
 * @param propagateDeletes delete at the destination what was synced before and is gone at the source
 * @param verifyChecksum   send an xxHash64 of each file and verify it before the file is renamed into place
 */
public record SyncOptions(boolean propagateDeletes, boolean verifyChecksum) {

    public static SyncOptions defaults() {
        return new SyncOptions(true, true);
    }
}
