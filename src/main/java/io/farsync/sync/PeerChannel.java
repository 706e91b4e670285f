package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.protocol.Message;
import io.farsync.sync.protocol.MessageCodec;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's half of the conversation: a reader thread and a writer thread around a byte
 * stream, so that the endpoint's own thread never blocks on the network while the peer is
 * blocked too.
 *
 * <p>Why no deadlock: the reader only ever waits for the stream or for inbound file data (FileData,
 * FileInline) to be consumed ({@link #INBOUND_DATA_BYTES} bounds the memory it holds); control
 * messages are always queued. The endpoint thread waits on its outbound queue only while its
 * writer makes progress, which needs the peer's reader, which never waits on its endpoint for
 * control messages. So the chain of waits always ends at a thread that is making progress.
 */
final class PeerChannel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerChannel.class);
    /** Bytes of file data the reader may hold before the endpoint consumes them (32 chunks). */
    static final int INBOUND_DATA_BYTES = 32 * MessageCodec.MAX_CHUNK;
    private static final int OUTBOUND_MESSAGES = 64;
    /** Heap a queued FileInline holds besides its contents (message, entry, path), bytes, roughly. */
    private static final int INLINE_OVERHEAD = 512;
    /** Enough for a full outbound queue or a full inbound budget of chunks, and the one being handled. */
    private static final int POOLED_CHUNKS = Math.max(OUTBOUND_MESSAGES, INBOUND_DATA_BYTES / MessageCodec.MAX_CHUNK) + 2;
    private static final Object END = new Object();

    private final String name;
    private final InputStream in;
    private final OutputStream out;
    private final Predicate<Message> lastInbound;
    private final BlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
    private final BlockingQueue<Object> outbound = new LinkedBlockingQueue<>(OUTBOUND_MESSAGES);
    private final Semaphore inboundData = new Semaphore(INBOUND_DATA_BYTES);
    private final ChunkPool chunks = new ChunkPool(POOLED_CHUNKS);
    private final Thread reader;
    private final Thread writer;
    private volatile boolean closed;
    private volatile UnaryOperator<String> shown;
    private volatile FarsyncException writeFailure;
    private volatile boolean peerAborted;
    /** Set by the reader when the peer is gone, failed or sent an Abort: nothing more will come. */
    private volatile boolean failed;

    /** @param lastInbound the message after which the peer sends nothing more */
    PeerChannel(String name, InputStream in, OutputStream out, Predicate<Message> lastInbound) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.lastInbound = lastInbound;
        // Daemon threads: a peer that neither sends nor closes must not keep the JVM alive; the
        // caller closes the stream, which ends the reader.
        this.reader = new Thread(this::readLoop, "farsync-" + name + "-reader");
        this.writer = new Thread(this::writeLoop, "farsync-" + name + "-writer");
        reader.setDaemon(true);
        writer.setDaemon(true);
    }

    void start() {
        reader.start();
        writer.start();
    }

    /** Queues {@code m} for sending; waits while the outbound queue is full. */
    void send(Message m) {
        send0(shown == null ? m : shown(m));
        checkWriter();
    }

    /**
     * Rewrites what outgoing errors and reasons say (a server shows its own absolute paths as the
     * client named them, {@link PathJail#showing}); null: as they are.
     */
    void showing(UnaryOperator<String> rewrite) {
        this.shown = rewrite;
    }

    private Message shown(Message m) {
        if (m instanceof Message.Abort a) {
            return new Message.Abort(a.exitCode(), shown.apply(a.message()));
        }
        if (m instanceof Message.EntryError e) {
            return new Message.EntryError(e.path(), shown.apply(e.reason()));
        }
        if (m instanceof Message.FileAbort f) {
            return new Message.FileAbort(f.id(), shown.apply(f.reason()));
        }
        if (m instanceof Message.Ack a && a.detail() != null) {
            return new Message.Ack(a.id(), a.outcome(), shown.apply(a.detail()));
        }
        if (m instanceof Message.Summary s && !s.errors().isEmpty()) {
            return new Message.Summary(s.filesTransferred(), s.bytesTransferred(), s.filesDeleted(), s.filesMoved(),
                    s.entriesChecked(), s.errors().stream().map(shown).toList());
        }
        return m;
    }

    /**
     * An array for a FileData message of {@code size} bytes that {@link #send} then hands back
     * for reuse once written out: the sender must not touch it after sending.
     */
    byte[] chunk(int size) {
        return chunks.take(size);
    }

    /** Hands a received FileData's array back for the reader to reuse: the caller is done with it. */
    void recycle(Message.FileData d) {
        chunks.give(d.data());
    }

    /** The next message, waiting for it. Throws when the peer is gone or aborted the sync. */
    Message take() {
        try {
            while (true) {
                Object o = inbound.poll(100, TimeUnit.MILLISECONDS);
                if (o != null) {
                    return unwrap(o);
                }
                // a reader that ended without queueing why (an Error that left no memory to) sends nothing more
                if (!reader.isAlive() && inbound.isEmpty()) {
                    throw new FarsyncException(ExitCode.INTERNAL, "internal error: the " + name + " reader stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted while waiting for the peer", e);
        }
    }

    /** The next message if one is waiting, else null. */
    Message poll() {
        Object o = inbound.poll();
        return o == null ? null : unwrap(o);
    }

    /** The next message, waiting at most {@code nanos} for it; null if none came. */
    Message poll(long nanos) {
        try {
            Object o = inbound.poll(nanos, TimeUnit.NANOSECONDS);
            return o == null ? null : unwrap(o);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted while waiting for the peer", e);
        }
    }

    /** Sends everything queued and waits for the writer to finish. */
    void finish() {
        send0(END);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted while sending to the peer", e);
        }
        checkWriter();
    }

    /**
     * Ends the sync after a fatal error: drops what is queued, tells the peer (so its reader stops
     * too) and waits briefly for that to go out. Never throws.
     */
    void abort(FarsyncException e) {
        if (writeFailure != null || !writer.isAlive()) {
            return;
        }
        outbound.clear();
        Message.Abort abort = new Message.Abort(e.exitCode().code(), e.getMessage());
        outbound.offer(shown == null ? abort : shown(abort));
        outbound.offer(END);
        try {
            writer.join(5_000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * True once the reader found the peer gone or failing, or received its Abort, before taking
     * that from {@link #take}: a long local step (a scan) checks this to stop early, and then
     * {@link #take} says why.
     */
    boolean failed() {
        return failed;
    }

    /**
     * After {@link #failed}: why, skipping what the peer sent before that, with {@code stopped}
     * (the local step it cut short) attached as suppressed.
     */
    FarsyncException failureAfter(RuntimeException stopped) {
        try {
            while (true) {
                take();
            }
        } catch (FarsyncException f) {
            f.addSuppressed(stopped);
            return f;
        }
    }

    /** True once the peer sent an Abort. */
    boolean peerAborted() {
        return peerAborted;
    }

    /** Stops consuming: the reader discards whatever else arrives. Idempotent. */
    @Override
    public void close() {
        closed = true;
        inbound.clear();
        inboundData.release(INBOUND_DATA_BYTES);
        if (writer.isAlive()) {
            outbound.offer(END);
        }
    }

    private void send0(Object o) {
        try {
            while (!outbound.offer(o, 100, TimeUnit.MILLISECONDS)) {
                checkWriterRunning();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted while sending to the peer", e);
        }
    }

    /**
     * For a send waiting for room: a writer that ended without recording why (an Error that left
     * no memory to) will never make any, so the send fails instead of waiting forever.
     */
    private void checkWriterRunning() {
        checkWriter();
        if (!writer.isAlive()) {
            throw new FarsyncException(ExitCode.INTERNAL, "internal error: the " + name + " writer stopped");
        }
    }

    private void checkWriter() {
        FarsyncException f = writeFailure;
        if (f != null) {
            throw new FarsyncException(f.exitCode(), f.getMessage(), f);
        }
    }

    private Message unwrap(Object o) {
        if (o instanceof FarsyncException f) {
            // Keep the failure visible to later calls too.
            inbound.offer(f);
            throw new FarsyncException(f.exitCode(), f.getMessage(), f);
        }
        Message m = (Message) o;
        int data = dataBytes(m);
        if (data > 0) {
            inboundData.release(data);
        } else if (m instanceof Message.Abort a) {
            peerAborted = true;
            FarsyncException f = new FarsyncException(exitCode(a.exitCode()), a.message());
            inbound.offer(f);
            throw f;
        }
        return m;
    }

    private void readLoop() {
        MessageCodec.Reader r = new MessageCodec.Reader(in, chunks::take);
        try {
            while (true) {
                Message m = r.read();
                if (closed) {
                    if (lastInbound.test(m) || m instanceof Message.Abort) {
                        return;
                    }
                    continue;
                }
                int data = dataBytes(m);
                if (data > 0) {
                    while (!inboundData.tryAcquire(data, 100, TimeUnit.MILLISECONDS)) {
                        if (closed) {
                            break;
                        }
                    }
                }
                inbound.add(m);
                if (m instanceof Message.Abort) {
                    failed = true;
                }
                if (lastInbound.test(m) || m instanceof Message.Abort) {
                    return;
                }
            }
        } catch (EOFException e) {
            inbound.add(new FarsyncException(ExitCode.TRANSFER_FAILED,
                    "connection to peer closed before the sync was complete (" + name + " side)", e));
            failed = true;
        } catch (FarsyncException e) {
            inbound.add(e);
            failed = true;
        } catch (IOException e) {
            inbound.add(new FarsyncException(ExitCode.TRANSFER_FAILED, "connection to peer failed: " + e.getMessage(), e));
            failed = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("{} reader failed", name, e);
            inbound.add(new FarsyncException(ExitCode.INTERNAL, "internal error reading from peer: " + e, e));
            failed = true;
        } catch (Error e) {
            // An OutOfMemoryError here left the endpoint waiting for messages forever; now it fails the sync.
            failed = true;
            inbound.add(new FarsyncException(ExitCode.INTERNAL, "internal error reading from peer: " + e));
            throw e;
        }
    }

    private void writeLoop() {
        BufferedOutputStream buffered = new BufferedOutputStream(out, 64 * 1024);
        MessageCodec.Writer w = new MessageCodec.Writer(buffered);
        try {
            while (true) {
                Object o = outbound.poll();
                if (o == null) {
                    // Flush only when idle: many small messages share one write.
                    buffered.flush();
                    o = outbound.take();
                }
                if (o == END) {
                    buffered.flush();
                    return;
                }
                w.write((Message) o);
                if (o instanceof Message.FileData d) {
                    chunks.give(d.data());
                }
            }
        } catch (IOException e) {
            FarsyncException f = new FarsyncException(ExitCode.TRANSFER_FAILED, "connection to peer failed: " + e.getMessage(), e);
            writeFailure = f;
            inbound.add(f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("{} writer failed", name, e);
            FarsyncException f = new FarsyncException(ExitCode.INTERNAL, "internal error writing to peer: " + e, e);
            writeFailure = f;
            inbound.add(f);
        } catch (Error e) {
            // As in the reader: the endpoint must not wait forever on a writer that is gone.
            FarsyncException f = new FarsyncException(ExitCode.INTERNAL, "internal error writing to peer: " + e);
            writeFailure = f;
            inbound.add(f);
            throw e;
        }
    }

    /**
     * File contents {@code m} carries, what {@link #INBOUND_DATA_BYTES} bounds; a FileInline also
     * counts {@link #INLINE_OVERHEAD} for its entry: 84,000 inline 100-byte files waited in the
     * queue of a first sync of a million (30 MB of heap) when only their contents counted.
     */
    private static int dataBytes(Message m) {
        if (m instanceof Message.FileData d) {
            return d.data().length;
        }
        return m instanceof Message.FileInline f ? f.data().length + INLINE_OVERHEAD : 0;
    }

    private static ExitCode exitCode(int code) {
        for (ExitCode c : ExitCode.values()) {
            if (c.code() == code && c != ExitCode.OK) {
                return c;
            }
        }
        return ExitCode.TRANSFER_FAILED;
    }
}
