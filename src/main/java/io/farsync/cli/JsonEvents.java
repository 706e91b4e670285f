package io.farsync.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.farsync.common.ExitCode;
import io.farsync.transport.TransportStats;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * {@code farsync sync --json}: one JSON object per line on stdout and nothing else there, each
 * with an {@code event} field:
 *
 * <pre>
 * {"event":"planned","files":N,"bytes":N}
 * {"event":"entry","action":"transferred|directory|symlink|deleted|attributes|moved","path":P,"size":N}
 * {"event":"moved","from":P,"to":P,"size":N}
 * {"event":"conflict","path":P,"resolution":TEXT}
 * {"event":"failed","path":P,"reason":TEXT}
 * {"event":"progress","files_done":N,"bytes_done":N,"planned_files":N,"planned_bytes":N,"rate_bps":R,"rtt_ms":R,...}
 *     every second while the sync runs, and once at its end
 * {"event":"summary", ...the --stats-json fields}      when the sync ran
 * {"event":"error","exit_code":N,"message":TEXT}       last, when the exit status is not 0
 * </pre>
 * Lines are written whole under a lock, so events from the transfer threads never interleave.
 */
final class JsonEvents implements RunDisplay {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long PERIOD_MILLIS = 1000;

    private final PrintStream out;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final Tally tally = new Tally();
    private final Thread ticker;
    private volatile Supplier<TransportStats> transport;
    private volatile boolean closed;

    JsonEvents(PrintStream out, LongSupplier nanoClock) {
        this.out = out;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        ticker = new Thread(this::tick, "farsync-json-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    @Override
    public void transport(Supplier<TransportStats> stats) {
        this.transport = stats;
    }

    @Override
    public void planned(long files, long totalBytes) {
        tally.planned(files, totalBytes);
        emit(event("planned", "files", files, "bytes", totalBytes));
    }

    @Override
    public void progress(long n) {
        tally.progress(n);
    }

    @Override
    public void entryDone(String path, EntryAction action, long size) {
        tally.entryDone(action);
        String name = action == EntryAction.METADATA ? "attributes" : action.name().toLowerCase(Locale.ROOT);
        emit(event("entry", "action", name, "path", path, "size", size));
    }

    @Override
    public void entryMoved(String from, String to, long size) {
        emit(event("moved", "from", from, "to", to, "size", size));
    }

    @Override
    public void conflict(String path, String resolution) {
        emit(event("conflict", "path", path, "resolution", resolution));
    }

    @Override
    public void entryFailed(String path, String reason) {
        emit(event("failed", "path", path, "reason", reason));
    }

    @Override
    public void note(String line) {
        emit(event("note", "message", line));
    }

    /** The final summary (the --stats-json fields), then the error object if the sync failed. */
    void finish(Map<String, Object> stats, ExitCode exit, String error) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "summary");
        m.putAll(stats);
        emit(m);
        if (exit != ExitCode.OK) {
            emit(error(exit.code(), error));
        }
    }

    /** The error object, also what a command prints with --json when it fails before running. */
    static Map<String, Object> error(int exitCode, String message) {
        return event("error", "exit_code", exitCode, "message", message);
    }

    static String line(Map<String, Object> m) {
        try {
            return MAPPER.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON event", e);
        }
    }

    private Map<String, Object> progressEvent() {
        Map<String, Object> m = event("progress", "files_done", tally.doneFiles(), "bytes_done", tally.bytes(),
                "planned_files", tally.plannedFiles() < 0 ? null : tally.plannedFiles(),
                "planned_bytes", tally.plannedBytes() < 0 ? null : tally.plannedBytes());
        m.put("elapsed_seconds", Math.round((nanoClock.getAsLong() - startNanos) / 1e6) / 1000.0);
        Supplier<TransportStats> t = transport;
        if (t != null) {
            TransportStats ts = t.get();
            m.put("rate_bps", ts.rateBitsPerSecond());
            m.put("rtt_ms", ts.smoothedRttNanos() / 1e6);
            m.put("queueing_delay_ms", ts.queueingDelayNanos() / 1e6);
            m.put("loss_rate", ts.lossRate());
        }
        return m;
    }

    private static Map<String, Object> event(String name, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", name);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private synchronized void emit(Map<String, Object> m) {
        out.println(line(m));
        out.flush();
    }

    private void tick() {
        while (!closed) {
            try {
                Thread.sleep(PERIOD_MILLIS); // the reporting period, not synchronisation
            } catch (InterruptedException e) {
                return;
            }
            emitProgressUnlessClosed();
        }
    }

    /**
     * {@code closed} is checked under the lock close() sets it under: no periodic event can follow the
     * last one (or the summary). The event is built outside it: the transport stats take their own lock.
     */
    private void emitProgressUnlessClosed() {
        Map<String, Object> m = progressEvent();
        synchronized (this) {
            if (!closed) {
                emit(m);
            }
        }
    }

    /** Stops the periodic events and writes the last progress event. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        ticker.interrupt();
        emit(progressEvent());
    }
}
