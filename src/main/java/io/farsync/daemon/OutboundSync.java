package io.farsync.daemon;

import io.farsync.sync.SyncListener;
import io.farsync.sync.SyncResult;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One sync this node runs as a client of another node, for {@link NodeJobs}: the CLI's sync
 * runner implements it (the same code as {@code farsync sync}, with this node's identity key and
 * known_hosts), so the daemon does not depend on the command line.
 */
public interface OutboundSync {
    /**
     * @param host       the other node's SSH address
     * @param user       the user name to log in as there (its history records it)
     * @param localPath  already resolved inside this node's root
     * @param push       this node is SRC; false: it is DST (pull)
     * @param conflict   with {@code bidi}, the conflict policy label
     * @param rateBps    target rate, bits/s
     */
    record Request(String host, int port, String user, Path localPath, String remotePath, boolean push, boolean bidi,
            String conflict, long rateBps, String policy, boolean propagateDeletes) {
    }

    /** How a run ended: the exit status {@code farsync sync} would give, its error line, the engine's totals (null if it never ran). */
    record Outcome(int exitCode, String error, SyncResult result) {
    }

    /**
     * Runs one sync to its end. {@code onAbort} receives, before the session starts, what tears
     * the run down from another thread.
     */
    Outcome run(Request request, SyncListener listener, Consumer<Runnable> onAbort);
}
