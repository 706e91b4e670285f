package io.farsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.farsync.common.ExitCode;
import io.farsync.sync.DeleteLimit;
import io.farsync.sync.SyncResult;
import io.farsync.transport.TransportStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The totals of a {@code --continuous} run over all its syncs, for the {@code --stats-json}
 * summary written when it stops: the fields of a one-time run's summary (DESIGN.md), summed,
 * plus how many syncs and sessions there were. Used by the runner's thread only.
 */
final class ContinuousTotals {
    /** Error lines kept for the summary: the first ones (each batch's are printed as they happen). */
    private static final int MAX_ERRORS = 1000;

    private long syncs;
    private long failedSyncs;
    private long files;
    private long bytes;
    private long deleted;
    private long moved;
    private long conflicts;
    private long checked;
    private long wireBytes;
    private long retransmitted;
    private long withheld;
    private final List<String> errors = new ArrayList<>();

    /**
     * Adds one sync. {@code wire} and {@code retransmittedBytes} are the sync's own (a persistent
     * session's totals grow across batches); -1 takes them from the outcome's own transport.
     */
    void add(SyncRunner.Outcome o, long wire, long retransmittedBytes) {
        syncs++;
        TransportStats t = o.transport();
        wireBytes += wire >= 0 ? wire : (t == null ? 0 : t.wireBytesSent() + t.wireBytesReceived()) + o.controlBytes();
        retransmitted += retransmittedBytes >= 0 ? retransmittedBytes : t == null ? 0 : t.retransmittedBytes();
        SyncResult r = o.result();
        if (r == null) {
            failedSyncs++;
            return;
        }
        files += r.filesTransferred();
        bytes += r.bytesTransferred();
        deleted += r.filesDeleted();
        moved += r.filesMoved();
        conflicts += r.conflicts();
        checked += r.entriesChecked();
        for (String e : r.errors()) {
            withheld += DeleteLimit.withheldIn(e);
            if (errors.size() < MAX_ERRORS) {
                errors.add(e);
            }
        }
    }

    /** The summary of the run that ended with {@code exit} ({@code error}: its message, or null) after {@code seconds}. */
    Map<String, Object> summary(ExitCode exit, String error, double seconds, long sessions) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", exit == ExitCode.OK ? "ok" : "error");
        m.put("exit_code", exit.code());
        m.put("error", error);
        m.put("continuous", true);
        m.put("syncs", syncs);
        m.put("failed_syncs", failedSyncs);
        m.put("sessions", sessions < 0 ? null : sessions);
        m.put("files_transferred", files);
        m.put("bytes_transferred", bytes);
        m.put("wire_bytes", wireBytes);
        m.put("retransmitted_bytes", retransmitted);
        m.put("files_deleted", deleted);
        m.put("files_moved", moved);
        m.put("conflicts", conflicts);
        m.put("entries_checked", checked);
        m.put("deletes_withheld", withheld);
        m.put("errors", errors);
        m.put("duration_seconds", Math.round(seconds * 1000) / 1000.0);
        return m;
    }

    /** Writes {@code summary} to {@code file} as indented JSON. */
    static void write(Path file, Map<String, Object> summary) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), summary);
    }
}
