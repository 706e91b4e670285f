package io.farsync.sync;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * Passes every byte written through it to a rule that may replace it (the rule may keep state
 * across calls, e.g. to corrupt one byte of every pass over a file). The caller's array is never
 * changed: each write goes out as a rewritten copy.
 */
final class RewritingStream extends FilterOutputStream {
    private final IntUnaryOperator rule;

    RewritingStream(OutputStream out, IntUnaryOperator rule) {
        super(out);
        this.rule = rule;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        byte[] copy = Arrays.copyOfRange(b, off, off + len);
        for (int i = 0; i < copy.length; i++) {
            copy[i] = (byte) rule.applyAsInt(copy[i]);
        }
        out.write(copy, 0, copy.length);
    }
}
