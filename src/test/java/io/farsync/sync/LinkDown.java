package io.farsync.sync;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.UnaryOperator;

/** A link that goes down: for a test's {@code sourceOut}, closing the stream mid-sync. */
final class LinkDown {
    private LinkDown() {
    }

    /** The link goes down (the write fails, the stream closes) once more than {@code bytes} would have crossed it. */
    static UnaryOperator<OutputStream> after(long bytes) {
        return out -> new FilterOutputStream(out) {
            long written;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > bytes) {
                    out.close();
                    throw new IOException("link down");
                }
                written += len;
                out.write(b, off, len);
            }
        };
    }
}
