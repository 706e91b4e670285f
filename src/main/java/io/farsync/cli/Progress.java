package io.farsync.cli;

import io.farsync.sync.SyncListener;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import io.farsync.transport.TransportStats;

/**
 * What the user sees during a sync: one line per entry synchronized (like rsync -v) on stdout,
 * failures on stderr, and on a terminal a live status line (files, bytes, rate, ETA) redrawn on
 * stderr twice a second.
 */
final class Progress implements RunDisplay {
    private final PrintStream out;
    private final PrintStream err;
    private final boolean quiet;
    private final LongSupplier nanoClock;
    private final Tally tally = new Tally();
    private final Thread ticker;
    private volatile Supplier<TransportStats> transport;
    private volatile boolean closed;
    private int lastLineLength;
    /** Samples of (time, bytes) at each redraw, for a rate over the last WINDOW redraws. */
    private static final int WINDOW = 6;
    private final long[] windowNanos = new long[WINDOW];
    private final long[] windowBytes = new long[WINDOW];
    private int windowNext;

    Progress(PrintStream out, PrintStream err, boolean quiet, boolean live, LongSupplier nanoClock) {
        this.out = out;
        this.err = err;
        this.quiet = quiet;
        this.nanoClock = nanoClock;
        if (live && !quiet) {
            ticker = new Thread(this::tick, "farsync-progress-line");
            ticker.setDaemon(true);
            ticker.start();
        } else {
            ticker = null;
        }
    }

    /** Adds the transport's live numbers (RTT, queueing delay, loss) to the status line. */
    @Override
    public void transport(Supplier<TransportStats> stats) {
        this.transport = stats;
    }

    @Override
    public void planned(long files, long totalBytes) {
        tally.planned(files, totalBytes);
    }

    @Override
    public void progress(long n) {
        tally.progress(n);
    }

    @Override
    public void entryDone(String path, EntryAction action, long size) {
        tally.entryDone(action);
        if (quiet) {
            return;
        }
        String line = switch (action) {
            case DIRECTORY -> path + "/";
            case DELETED -> "deleting " + path;
            case SYMLINK -> path + " (symlink)";
            case METADATA -> path + " (attributes)";
            case TRANSFERRED -> path;
            case MOVED -> path + " (moved)";
            case LINKED -> path + " (hard link)";
        };
        synchronized (this) {
            clearLine();
            out.println(line);
        }
    }

    @Override
    public void entryMoved(String from, String to, long size) {
        if (!quiet) {
            synchronized (this) {
                clearLine();
                out.println(from + " -> " + to);
            }
        }
    }

    @Override
    public void conflict(String path, String resolution) {
        if (!quiet) {
            synchronized (this) {
                clearLine();
                out.println("conflict " + path + ": " + resolution);
            }
        }
    }

    @Override
    public void entryFailed(String path, String reason) {
        synchronized (this) {
            clearLine();
            err.println("farsync: " + path + ": " + reason);
        }
    }

    /** A one-line notice on stderr (not an error), unless quiet. */
    @Override
    public void note(String line) {
        if (!quiet) {
            synchronized (this) {
                clearLine();
                err.println("farsync: " + line);
            }
        }
    }

    long bytesSoFar() {
        return tally.bytes();
    }

    private void tick() {
        while (!closed) {
            try {
                Thread.sleep(500); // a display refresh period, not synchronisation
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (!closed) {
                    draw();
                }
            }
        }
    }

    private void draw() {
        long now = nanoClock.getAsLong();
        long b = tally.bytes();
        // rate over the last few seconds, not since the start: set-up time would drag it down
        windowNanos[windowNext % WINDOW] = now;
        windowBytes[windowNext % WINDOW] = b;
        windowNext++;
        int oldest = windowNext > WINDOW ? windowNext % WINDOW : 0;
        double seconds = Math.max(1e-3, (now - windowNanos[oldest]) / 1e9);
        double rate = (b - windowBytes[oldest]) * 8 / seconds;
        StringBuilder line = new StringBuilder();
        long pf = tally.plannedFiles();
        long pb = tally.plannedBytes();
        line.append(String.format(Locale.ROOT, "  %d%s files  %s%s  %s", tally.doneFiles(), pf >= 0 ? "/" + pf : "",
                Rates.bytes(b), pb >= 0 ? "/" + Rates.bytes(pb) : "", Rates.format(rate)));
        if (pb > 0 && rate > 0 && b < pb) {
            long eta = Math.round((pb - b) * 8 / Math.max(rate, 1));
            line.append(String.format(Locale.ROOT, "  ETA %d:%02d", eta / 60, eta % 60));
        }
        Supplier<TransportStats> t = transport;
        if (t != null) {
            TransportStats ts = t.get();
            line.append(String.format(Locale.ROOT, "  rtt %.0f ms  queue %.0f ms  loss %.1f%%  dgram %d", ts.smoothedRttNanos() / 1e6,
                    ts.queueingDelayNanos() / 1e6, 100 * ts.lossRate(), ts.datagramSize()));
        }
        String s = line.toString();
        err.print("\r" + s + " ".repeat(Math.max(0, lastLineLength - s.length())));
        err.flush();
        lastLineLength = s.length();
    }

    private void clearLine() {
        if (lastLineLength > 0) {
            err.print("\r" + " ".repeat(lastLineLength) + "\r");
            err.flush();
            lastLineLength = 0;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            clearLine();
        }
        if (ticker != null) {
            ticker.interrupt();
        }
    }
}
