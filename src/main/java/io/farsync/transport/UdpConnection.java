package io.farsync.transport;

import io.farsync.transport.core.Connection;
import io.farsync.transport.core.PathValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Connection} shared between the I/O thread of its {@link UdpTransport} and the
 * application's threads: one lock guards the state machine, and the application waits on
 * conditions that the I/O thread checks after each round and signals when the waiter can go on
 * (data to read, enough room to write, a state change). Applications never spin: they block
 * until then.
 */
final class UdpConnection implements TransportConnection {

    /**
     * A writer that found the send buffer full waits until this much room is free (or the send
     * buffer's eighth, if smaller), not until any room is: with a bulk sender always ahead of the
     * path, "any room" came back after every round of the I/O thread (~60 datagrams), and each
     * time the I/O thread woke the writer (a futex wake, and on 2 cores often a switch to it) and
     * the writer blocked again. Profiled on the emulated 100 ms / 500 Mbit/s link during the
     * 10,000 x 50 KB push: 13.5 % of the sender's I/O thread in those wake-ups and ~60 % of its
     * writer thread in the waits (async-profiler, docs/PERFORMANCE.md session 15). A MiB is 17 ms
     * at 500 Mbit/s, while the 16 MiB of data not yet sent keep the pacer busy.
     */
    static final int WRITE_WAKE_BYTES = 1 << 20;

    final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Where a writer waits for room (see {@link #WRITE_WAKE_BYTES}); the I/O thread signals it only then. */
    private final Condition room = lock.newCondition();
    /**
     * Where a reader waits; the I/O thread signals it only when there is something to read (or the
     * end, or a failure). Woken after every round instead, the sender's reader of the peer's few
     * answers woke and went back to sleep ~1,000 times a second during a bulk push: 17 % of the
     * sender's I/O thread went to those wake-ups (async-profiler, docs/PERFORMANCE.md session 15).
     */
    private final Condition readable = lock.newCondition();
    private final int writeWakeBytes;
    /**
     * The least room a waiting writer needs to finish its write, {@link Integer#MAX_VALUE} if none
     * waits: while the peer's application does not read (its credit used up), room comes only as it
     * does, and a writer that needs less than the wake threshold must not wait for more (two ends
     * each writing before they read would wait for each other). This covers a peer whose credit
     * comes in steps smaller than the threshold (it grants more each time its reading frees an
     * eighth of its window: with the default 64 MiB windows 8 MiB, which wake a writer anyway);
     * a peer that reads less than that and then waits stalls a writer as it always did (a
     * "blocked" signal asking the peer for the credit it has, as QUIC's STREAM_DATA_BLOCKED, would
     * be the remedy).
     */
    private int writerNeeds = Integer.MAX_VALUE;
    /** Times a writer waited for room, and a reader for data (tests). With lock held. */
    private long writerWaits;
    private long readerWaits;
    private final UdpTransport transport;
    private final Connection core;
    private final long closeTimeoutNanos;
    private final int datagramSize;
    private final Input input = new Input();
    private final Output output = new Output();
    /** A client's server address: fixed, whatever the source of the datagrams that arrive. */
    private final InetSocketAddress fixedPeer;
    /** A server's view of its client's address, which may change (NAT rebinding) but only once validated. */
    private final PathValidator<InetSocketAddress> paths;
    /** The address {@link PathHistory#open} counted this connection under (null: none). */
    private final java.net.InetAddress historyPeer;
    /** Whether {@link #remember} ran: it closes the connection in the history once. With lock held. */
    private boolean remembered;

    UdpConnection(UdpTransport transport, Connection core, InetSocketAddress peer, TransportConfig config,
            java.util.Random random, java.net.InetAddress historyPeer) {
        this.transport = transport;
        this.historyPeer = historyPeer;
        this.core = core;
        this.fixedPeer = peer;
        this.paths = peer == null ? new PathValidator<>(random) : null;
        this.closeTimeoutNanos = config.idleTimeout().toNanos();
        this.datagramSize = config.datagramSize();
        this.writeWakeBytes = Math.max(1, Math.min(WRITE_WAKE_BYTES, config.sendBufferBytes() / 8));
        if (peer != null) {
            core.setPeerLabel(peer.toString());
        } else {
            core.onPathResponse(paths::onPathResponse);
        }
    }

    /** The state machine; only with {@link #lock} held. */
    Connection core() {
        return core;
    }

    /** Where ordinary datagrams go now; null while a server has not heard its client. With lock held. */
    InetSocketAddress peer() {
        return fixedPeer != null ? fixedPeer : paths.current();
    }

    /**
     * Tells {@link PathHistory} that this connection ended, with what it measured about its path
     * for the next connection to the same peer (nothing if it did not measure enough or never
     * learned its peer); once, whichever of its end and its transport's closing comes first.
     */
    void remember(PathHistory history) {
        lock.lock();
        try {
            if (remembered) {
                return;
            }
            remembered = true;
            InetSocketAddress to = peer();
            history.close(historyPeer, to == null ? null : to.getAddress(), core.pathRecord(), System.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    /** A server's path validation, null for a client. With lock held. */
    PathValidator<InetSocketAddress> paths() {
        return paths;
    }

    /** {@link Connection#receive} accepted a datagram of {@code len} bytes from {@code source}. With lock held. */
    void onAuthentic(InetSocketAddress source, int len, boolean newest) {
        if (paths == null) {
            return;
        }
        InetSocketAddress before = paths.current();
        paths.onAuthentic(source, len, newest);
        if (!paths.current().equals(before)) {
            core.setPeerLabel(paths.current().toString());
        }
    }

    /** Whether a full datagram may go to {@link #peer()} now (the anti-amplification limit). With lock held. */
    boolean maySend() {
        return paths == null || paths.sendAllowance() >= datagramSize;
    }

    /**
     * Wakes application threads waiting on this connection: closers at every call, readers when
     * there is something to read, a writer once the wake threshold ({@link #WRITE_WAKE_BYTES} or an
     * eighth of the send buffer) is free (or what it needs, while the peer does not read), or the
     * connection failed. With lock held.
     */
    void signalWaiters() {
        if (lock.hasWaiters(changed)) {
            changed.signalAll();
        }
        if (lock.hasWaiters(readable) && core.readable()) {
            readable.signalAll();
        }
        if (lock.hasWaiters(room)) {
            int writable = core.writableBytes();
            if (writable >= writeWakeBytes || (writable >= writerNeeds && core.sendBlockedByPeer())
                    || core.writeFailure() != null) {
                wakeWriters();
            }
        }
    }

    /** How many times a writer found the send buffer full, and a reader nothing to read, and waited. */
    record Waits(long writer, long reader) {
    }

    /** See {@link Waits} (tests). */
    Waits waits() {
        lock.lock();
        try {
            return new Waits(writerWaits, readerWaits);
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiting application thread: the connection's state changed. With lock held. */
    private void wakeAll() {
        changed.signalAll();
        wakeWriters();
        readable.signalAll();
    }

    /** Wakes the writers; each that still finds no room states its need again. With lock held. */
    private void wakeWriters() {
        room.signalAll();
        writerNeeds = Integer.MAX_VALUE;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public TransportStats stats() {
        lock.lock();
        try {
            return core.stats();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            core.close(System.nanoTime());
            transport.wakeup();
            long remaining = closeTimeoutNanos;
            while (!core.isClosed()) {
                if (remaining <= 0) {
                    core.abort("close timed out: data still unacknowledged after "
                            + TimeUnit.NANOSECONDS.toMillis(closeTimeoutNanos) + " ms", System.nanoTime());
                    break;
                }
                remaining = changed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            core.abort("interrupted while closing", System.nanoTime());
        } finally {
            wakeAll();
            lock.unlock();
        }
        transport.wakeup();
    }

    @Override
    public void closeNow() {
        endAtOnce(core::closeNow);
    }

    @Override
    public void abort(String reason) {
        Objects.requireNonNull(reason, "reason");
        endAtOnce(now -> core.abort(reason, now));
    }

    /** Runs an ending that does not wait, wakes the application's waiters and the I/O thread. */
    private void endAtOnce(java.util.function.LongConsumer ending) {
        lock.lock();
        try {
            ending.accept(System.nanoTime());
            wakeAll();
        } finally {
            lock.unlock();
        }
        transport.wakeup();
    }

    @Override
    public String toString() {
        return "UdpConnection[" + Integer.toHexString(core.connectionId()) + " " + (paths != null ? paths : fixedPeer) + "]";
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            lock.lock();
            try {
                while (true) {
                    String failure = core.readFailure();
                    if (failure != null) {
                        throw new IOException(failure);
                    }
                    int n = core.read(b, off, len);
                    if (n != 0) {
                        if (n > 0) {
                            transport.wakeup();
                        }
                        return n;
                    }
                    readerWaits++;
                    readable.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int available() throws IOException {
            lock.lock();
            try {
                String failure = core.readFailure();
                if (failure != null) {
                    throw new IOException(failure);
                }
                return core.available();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                core.discardInput();
                wakeAll();
            } finally {
                lock.unlock();
            }
            transport.wakeup();
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            lock.lock();
            try {
                while (len > 0) {
                    String failure = core.writeFailure();
                    if (failure != null) {
                        throw new IOException(failure);
                    }
                    int n = core.write(b, off, len);
                    if (n > 0) {
                        off += n;
                        len -= n;
                        transport.wakeup();
                    } else {
                        writerWaits++;
                        writerNeeds = Math.min(writerNeeds, len);
                        room.await();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void flush() throws IOException {
            lock.lock();
            try {
                String failure = core.failure();
                if (failure != null) {
                    throw new IOException(failure);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() throws IOException {
            lock.lock();
            try {
                if (core.isFinished()) {
                    return;
                }
                String failure = core.writeFailure();
                if (failure != null) {
                    throw new IOException(failure);
                }
                core.finish();
            } finally {
                lock.unlock();
            }
            transport.wakeup();
        }
    }
}
