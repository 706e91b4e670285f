package io.farsync.fuzz;

import java.util.Arrays;
import java.util.Random;

/** Byte-level mutations of a genuine input, the kind that reach a parser's deeper states. */
public final class Mutator {

    private static final byte[] INTERESTING = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff, '"', '\\', '{', '}', '[',
        ']', ',', ':', '\n', '.', '/', '-', '0', '9', 'e'};

    private Mutator() {
    }

    /** One to eight of: replace, insert, delete a byte, flip a bit, cut, duplicate a run. */
    public static byte[] mutate(byte[] original, Random r) {
        byte[] d = original.clone();
        for (int m = 1 + r.nextInt(8); m > 0; m--) {
            if (d.length == 0) {
                return d;
            }
            int at = r.nextInt(d.length);
            switch (r.nextInt(7)) {
                case 0 -> d[at] = (byte) r.nextInt(256);
                case 1 -> d[at] = INTERESTING[r.nextInt(INTERESTING.length)];
                case 2 -> d[at] ^= (byte) (1 << r.nextInt(8));
                case 3 -> {
                    byte[] n = new byte[d.length + 1];
                    System.arraycopy(d, 0, n, 0, at);
                    n[at] = r.nextBoolean() ? INTERESTING[r.nextInt(INTERESTING.length)] : (byte) r.nextInt(256);
                    System.arraycopy(d, at, n, at + 1, d.length - at);
                    d = n;
                }
                case 4 -> {
                    byte[] n = new byte[d.length - 1];
                    System.arraycopy(d, 0, n, 0, at);
                    System.arraycopy(d, at + 1, n, at, d.length - at - 1);
                    d = n;
                }
                case 5 -> d = Arrays.copyOf(d, at);
                default -> {
                    int len = Math.min(1 + r.nextInt(16), d.length - at);
                    byte[] n = new byte[d.length + len];
                    System.arraycopy(d, 0, n, 0, at + len);
                    System.arraycopy(d, at, n, at + len, d.length - at);
                    d = n;
                }
            }
        }
        return d;
    }
}
