package io.farsync.cli;

import io.farsync.sync.SyncListener;
import io.farsync.transport.TransportStats;
import java.util.function.Supplier;

/**
 * What a one-time sync reports to while it runs: the text {@link Progress} for people, the
 * line-per-event {@link JsonEvents} for programs ({@code --json}).
 */
interface RunDisplay extends SyncListener, AutoCloseable {
    /** The live transport numbers of the session that just came up. */
    void transport(Supplier<TransportStats> stats);

    /** A notice that is not an error (e.g. waiting for another run's lock). */
    void note(String line);

    @Override
    void close();
}
