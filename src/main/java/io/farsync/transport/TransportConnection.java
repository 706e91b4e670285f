package io.farsync.transport;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * One encrypted UDP session seen as a reliable, ordered, bidirectional byte stream. Thread-safe:
 * one thread may read while another writes.
 */
public interface TransportConnection extends AutoCloseable {

    /**
     * Bytes from the peer, in order. {@code read} blocks until data arrives; returns -1 once the
     * peer closed its output and everything before was read; throws {@link java.io.IOException}
     * when the connection failed (peer unreachable past the idle timeout, peer aborted, closed
     * locally). Closing it discards unread data.
     */
    InputStream input();

    /**
     * Bytes to the peer. {@code write} blocks while the send buffer is full; {@code flush} is a
     * no-op hint; {@code close} sends end-of-stream after the written bytes (idempotent). Throws
     * {@link java.io.IOException} once the connection failed.
     */
    OutputStream output();

    /** Counters; cheap, callable from any thread at any time. */
    TransportStats stats();

    /**
     * Waits (bounded by the idle timeout) until every byte written was acknowledged, tells the
     * peer goodbye and releases the connection. Idempotent.
     */
    @Override
    void close();

    /**
     * Tells the peer goodbye at once, without waiting for it to acknowledge what is still in
     * flight, and releases the connection: for when the peer has reported, on another channel,
     * that it needs nothing more. Idempotent.
     */
    void closeNow();

    /** Fails the connection at once on both ends with {@code reason}; idempotent. */
    void abort(String reason);
}
