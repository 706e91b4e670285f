package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The server's side of a persistent session (continuous mode): one transport session carries
 * any number of conversations, one per batch, until the client ends it.
 *
 * <pre>
 *  C: BatchStart(version, seq, whole?, subtrees..., last)+   S: (server is the source) BatchReady(seq)
 *  ... one conversation of the sync protocol, limited to the subtrees ...
 *  C: BatchStart ... (next batch)                            S: Hints(paths)* between conversations,
 *  C: SessionEnd                                                from its watcher (server is the source)
 * </pre>
 *
 * A conversation that fails (Abort, broken link) ends the session: the client reconnects and
 * starts again with a whole-tree batch. Entry errors do not: they are in the batch's summary.
 */
public final class BatchServer {

    /** One conversation of the sync protocol over the session's stream, limited to a scope. */
    public interface Conversation {
        SyncResult run(Scope scope, InputStream in, OutputStream out) throws IOException;
    }

    private final Conversation conversation;
    private final HintPublisher hints;

    /** @param hints the watcher of a source served to the client; null when the server is the destination */
    public BatchServer(Conversation conversation, HintPublisher hints) {
        this.conversation = Objects.requireNonNull(conversation, "conversation");
        this.hints = hints;
    }

    /** Serves batches until the client's SessionEnd; returns the totals of all of them. */
    public SyncResult run(InputStream in, OutputStream out) throws IOException {
        Totals totals = new Totals();
        SessionWriter writer = new SessionWriter(out);
        if (hints != null) {
            hints.start(writer);
        }
        try {
            while (true) {
                Message m = read(in);
                if (m instanceof Message.SessionEnd) {
                    return totals.result();
                }
                Message.BatchStart start = Protocol.expect(m, Message.BatchStart.class);
                if (start.version() != Protocol.VERSION) {
                    FarsyncException f = new FarsyncException(ExitCode.TRANSFER_FAILED,
                            "peer speaks sync protocol version " + start.version() + ", this farsync speaks " + Protocol.VERSION);
                    writer.send(new Message.Abort(f.exitCode().code(), f.getMessage()));
                    throw f;
                }
                Scope scope = readScope(in, start);
                if (hints != null) {
                    hints.pause();
                    writer.send(new Message.BatchReady(start.seq()));
                }
                totals.add(conversation.run(scope, in, out));
                if (hints != null) {
                    hints.resume();
                }
            }
        } finally {
            if (hints != null) {
                hints.close();
            }
        }
    }

    private static Scope readScope(InputStream in, Message.BatchStart first) throws IOException {
        List<String> paths = new ArrayList<>(first.paths());
        boolean whole = first.wholeTree();
        for (Message.BatchStart next = first; !next.last(); ) {
            next = Protocol.expect(read(in), Message.BatchStart.class);
            if (next.seq() != first.seq()) {
                throw Protocol.violation("batch " + next.seq() + " started inside batch " + first.seq());
            }
            whole |= next.wholeTree();
            paths.addAll(next.paths());
        }
        return whole ? Scope.WHOLE : Scope.of(paths);
    }

    private static Message read(InputStream in) throws IOException {
        try {
            return new MessageCodec.Reader(in).read();
        } catch (EOFException e) {
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "the client closed the session without ending it", e);
        }
    }

    /** Sums the batches' results for the session's history record. */
    private static final class Totals {
        private long files;
        private long bytes;
        private long deleted;
        private long moved;
        private long checked;
        private final List<String> errors = new ArrayList<>();

        void add(SyncResult r) {
            files += r.filesTransferred();
            bytes += r.bytesTransferred();
            deleted += r.filesDeleted();
            moved += r.filesMoved();
            checked += r.entriesChecked();
            // bounded: the history keeps the first errors, the log has them all
            if (errors.size() < 1000) {
                errors.addAll(r.errors().subList(0, Math.min(r.errors().size(), 1000 - errors.size())));
            }
        }

        SyncResult result() {
            return new SyncResult(files, bytes, deleted, moved, 0, checked, errors);
        }
    }
}
