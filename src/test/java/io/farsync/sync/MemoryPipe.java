package io.farsync.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A one-way in-memory byte pipe with a small bounded buffer, so a writer blocks when the reader
 * lags (as on a real link). Closing the output gives the reader EOF; closing the input makes
 * writes fail. Unlike java.io.PipedInputStream it does not care which threads use it.
 */
final class MemoryPipe {

    private final byte[] buf;
    private int head;
    private int size;
    private boolean writerClosed;
    private boolean readerClosed;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    MemoryPipe(int capacity) {
        buf = new byte[capacity];
    }

    final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            lock.lock();
            try {
                while (size == 0) {
                    if (writerClosed) {
                        return -1;
                    }
                    if (readerClosed) {
                        throw new IOException("pipe closed");
                    }
                    changed.awaitUninterruptibly();
                }
                int n = Math.min(len, size);
                for (int i = 0; i < n; i++) {
                    b[off + i] = buf[(head + i) % buf.length];
                }
                head = (head + n) % buf.length;
                size -= n;
                changed.signalAll();
                return n;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                readerClosed = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    };

    final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            lock.lock();
            try {
                while (len > 0) {
                    while (size == buf.length && !readerClosed && !writerClosed) {
                        changed.awaitUninterruptibly();
                    }
                    if (readerClosed || writerClosed) {
                        throw new IOException("pipe closed");
                    }
                    int n = Math.min(len, buf.length - size);
                    for (int i = 0; i < n; i++) {
                        buf[(head + size + i) % buf.length] = b[off + i];
                    }
                    size += n;
                    off += n;
                    len -= n;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                writerClosed = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    };

    /** Closes both ends: the reader sees the end, a writer fails. */
    void close() throws IOException {
        in.close();
        out.close();
    }
}
