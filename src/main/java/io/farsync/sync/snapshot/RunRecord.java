package io.farsync.sync.snapshot;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the latest run of a session ended, as one endpoint saw it: kept in its snapshot database
 * for {@code farsync admin}.
 *
 * @param startedMillis  wall-clock start, milliseconds since the epoch
 * @param endedMillis    wall-clock end
 * @param status         {@code ok}, {@code partial} (some entries failed) or {@code error} (the run ended early)
 * @param error          the error that ended the run, or null
 * @param pending        entries the run was still working on when it ended (0 for a complete run)
 * @param resumable      partial files kept at the destination for a later run to resume
 * @param errors         one line per entry that failed, "path: reason"
 */
public record RunRecord(
        long startedMillis,
        long endedMillis,
        String status,
        String error,
        long filesTransferred,
        long bytesTransferred,
        long filesDeleted,
        long filesMoved,
        long conflicts,
        long pending,
        long resumable,
        List<String> errors) {

    public RunRecord {
        errors = List.copyOf(errors);
    }

    Map<String, String> toMeta() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("last_started", Long.toString(startedMillis));
        m.put("last_ended", Long.toString(endedMillis));
        m.put("last_status", status);
        m.put("last_error", error == null ? "" : error);
        m.put("last_files_transferred", Long.toString(filesTransferred));
        m.put("last_bytes_transferred", Long.toString(bytesTransferred));
        m.put("last_files_deleted", Long.toString(filesDeleted));
        m.put("last_files_moved", Long.toString(filesMoved));
        m.put("last_conflicts", Long.toString(conflicts));
        m.put("last_pending", Long.toString(pending));
        m.put("last_resumable", Long.toString(resumable));
        return m;
    }

    static Optional<RunRecord> fromMeta(Map<String, String> m, List<String> errors) {
        if (!m.containsKey("last_status")) {
            return Optional.empty();
        }
        String error = m.get("last_error");
        return Optional.of(new RunRecord(num(m, "last_started"), num(m, "last_ended"), m.get("last_status"),
                error == null || error.isEmpty() ? null : error, num(m, "last_files_transferred"),
                num(m, "last_bytes_transferred"), num(m, "last_files_deleted"), num(m, "last_files_moved"),
                num(m, "last_conflicts"), num(m, "last_pending"), num(m, "last_resumable"), errors));
    }

    private static long num(Map<String, String> m, String key) {
        String v = m.get(key);
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
