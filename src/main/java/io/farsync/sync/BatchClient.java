package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client's side of a persistent session (see {@link BatchServer} for the exchange): runs one
 * conversation per batch over the same stream, and, when the server is the source, reads the
 * server's change hints between conversations.
 *
 * <p>Not thread-safe: one thread runs the batches; {@link HintListener} is called from the
 * hint reader's thread.
 */
public final class BatchClient {

    /** What the server's watcher reports between conversations. */
    public interface HintListener {
        /** Something at or below these relative paths changed ({@code wholeTree}: anything may have). */
        void hinted(List<String> paths, boolean wholeTree);

        /** A line for the user from the server (its watch limit, say). */
        void warning(String message);

        /** The session broke while idle: the next batch will fail, so it should come soon. */
        void broken(String reason);
    }

    private final InputStream in;
    private final OutputStream out;
    private final SessionWriter writer;
    private final HintListener hints;
    private long seq;
    private Thread hintReader;
    private final AtomicReference<FarsyncException> hintFailure = new AtomicReference<>();
    private volatile boolean ending;

    /** @param hints the listener for a server that is the source; null when the server is the destination */
    public BatchClient(InputStream in, OutputStream out, HintListener hints) {
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
        this.writer = new SessionWriter(out);
        this.hints = hints;
        if (hints != null) {
            startHintReader();
        }
    }

    /** Runs one conversation limited to {@code scope}; throws what the conversation throws. */
    public SyncResult batch(Scope scope, BatchServer.Conversation conversation) throws IOException {
        seq++;
        try {
            sendStart(scope);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (hints != null) {
            awaitReady();
        }
        SyncResult r = conversation.run(scope, in, out);
        if (hints != null) {
            startHintReader();
        }
        return r;
    }

    /** Tells the server the session is over. */
    public void end() {
        ending = true;
        try {
            writer.send(new Message.SessionEnd());
        } catch (UncheckedIOException e) {
            // the session is gone anyway
        }
    }

    private void sendStart(Scope scope) {
        if (scope.isWhole()) {
            writer.send(new Message.BatchStart(Protocol.VERSION, seq, true, List.of(), true));
            return;
        }
        List<String> chunk = new ArrayList<>();
        int bytes = 0;
        for (String p : scope.paths()) {
            int size = 4 + p.getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > MessageCodec.LIST_BUDGET) {
                writer.send(new Message.BatchStart(Protocol.VERSION, seq, false, chunk, false));
                chunk = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(p);
            bytes += size;
        }
        writer.send(new Message.BatchStart(Protocol.VERSION, seq, false, chunk, true));
    }

    /** Waits for the hint reader to pass the server's BatchReady: the stream is then the conversation's. */
    private void awaitReady() {
        try {
            hintReader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted waiting for the server");
        }
        FarsyncException f = hintFailure.getAndSet(null);
        if (f != null) {
            throw f;
        }
    }

    private void startHintReader() {
        long expected = seq + 1;
        hintReader = new Thread(() -> readHints(expected), "farsync-hint-reader");
        hintReader.setDaemon(true);
        hintReader.start();
    }

    private void readHints(long readySeq) {
        MessageCodec.Reader reader = new MessageCodec.Reader(in);
        try {
            while (true) {
                Message m = reader.read();
                if (m instanceof Message.Hints h) {
                    if (h.warning() != null) {
                        hints.warning(h.warning());
                    }
                    if (!h.paths().isEmpty() || h.wholeTree()) {
                        hints.hinted(h.paths().stream().map(PathJail::checkWirePath).toList(), h.wholeTree());
                    }
                } else if (m instanceof Message.BatchReady r && r.seq() == readySeq) {
                    return;
                } else if (m instanceof Message.Abort a) {
                    throw new FarsyncException(ExitCode.TRANSFER_FAILED, a.message());
                } else {
                    throw Protocol.violation("unexpected " + m.getClass().getSimpleName() + " between batches");
                }
            }
        } catch (IOException e) {
            fail(new FarsyncException(ExitCode.TRANSFER_FAILED, "connection to the server failed: " + e.getMessage(), e));
        } catch (FarsyncException e) {
            fail(e);
        }
    }

    private void fail(FarsyncException e) {
        hintFailure.set(e);
        if (!ending) {
            hints.broken(e.getMessage());
        }
    }
}
