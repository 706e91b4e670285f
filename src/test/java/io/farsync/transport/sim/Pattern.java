package io.farsync.transport.sim;

/**
 * Deterministic test bytes: byte {@code i} of pattern {@code seed} depends only on (seed, i), so
 * a writer and a reader that chunk the stream differently still agree.
 */
public final class Pattern {

    private final long seed;

    public Pattern(long seed) {
        this.seed = seed;
    }

    public void fill(long offset, byte[] b, int off, int len) {
        long word = 0;
        long wordIndex = -1;
        for (int k = 0; k < len; k++) {
            long i = offset + k;
            if (i >>> 3 != wordIndex) {
                wordIndex = i >>> 3;
                word = mix(seed + wordIndex * 0x9E3779B97F4A7C15L);
            }
            b[off + k] = (byte) (word >>> ((i & 7) * 8));
        }
    }

    /** Index of the first byte of {@code b[off, off+len)} that differs from the pattern at {@code offset}, or -1. */
    public long firstMismatch(long offset, byte[] b, int off, int len) {
        byte[] expected = new byte[len];
        fill(offset, expected, 0, len);
        for (int k = 0; k < len; k++) {
            if (expected[k] != b[off + k]) {
                return offset + k;
            }
        }
        return -1;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
