package io.farsync.sync;

import java.util.List;

/**
 * The outcome of one sync, identical on both endpoints (the destination reports its side to the
 * source at the end, the source forwards the total).
 *
 * @param filesTransferred files whose contents were sent
 * @param bytesTransferred file payload bytes sent
 * @param filesDeleted     entries deleted at the destination
 * @param filesMoved       moves applied at the destination instead of sending again; a renamed
 *                         directory counts once, however much it holds
 * @param conflicts        conflicts found (0 for one-way sync)
 * @param entriesChecked   entries compared
 * @param errors           one line per entry that failed, "path: reason"
 */
public record SyncResult(
        long filesTransferred,
        long bytesTransferred,
        long filesDeleted,
        long filesMoved,
        long conflicts,
        long entriesChecked,
        List<String> errors) {

    public SyncResult {
        errors = List.copyOf(errors);
    }

    /** True when nothing needed doing and nothing failed. */
    public boolean upToDate() {
        return filesTransferred == 0 && filesDeleted == 0 && filesMoved == 0 && errors.isEmpty();
    }
}
