package io.farsync.sync.scan;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * What a scan found.
 *
 * @param entries     every entry below the root by relative path, sorted so that a directory
 *                    comes before everything inside it
 * @param errors      relative path to a one-line reason, for entries that could not be read
 * @param incomplete  paths whose state or subtree is unknown because of an error: nothing at or
 *                    below them may be treated as deleted
 * @param staleTempsRemoved leftover temp files of a killed run that were deleted
 */
public record ScanResult(NavigableMap<String, Entry> entries, Map<String, String> errors, Set<String> incomplete,
        int staleTempsRemoved) {

    /** True if {@code path} is at or below a path whose state is unknown. */
    public boolean isUnknown(String path) {
        if (incomplete.isEmpty()) {
            return false;
        }
        if (incomplete.contains("")) {
            return true;
        }
        for (String p = path; !p.isEmpty(); p = Entry.parentOf(p)) {
            if (incomplete.contains(p)) {
                return true;
            }
        }
        return false;
    }
}
