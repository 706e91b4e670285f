package io.farsync.transport.core;

/**
 * A cursor over the decrypted frames of one packet. Running past the end throws the shared
 * {@link Malformed} instance: a stackless singleton, because garbage from the network must be
 * cheap to reject.
 */
final class FrameReader {

    /** Thrown when frames do not parse; carries no stack trace. */
    static final class Malformed extends Exception {
        static final Malformed INSTANCE = new Malformed();

        private Malformed() {
            super("malformed frame", null, false, false);
        }
    }

    private byte[] buf;
    private int pos;
    private int limit;

    void reset(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
    }

    boolean hasRemaining() {
        return pos < limit;
    }

    int remaining() {
        return limit - pos;
    }

    int position() {
        return pos;
    }

    byte[] array() {
        return buf;
    }

    int u8() throws Malformed {
        if (pos >= limit) {
            throw Malformed.INSTANCE;
        }
        return buf[pos++] & 0xff;
    }

    long varint() throws Malformed {
        int first = u8();
        int len = 1 << (first >>> 6);
        if (limit - pos < len - 1) {
            throw Malformed.INSTANCE;
        }
        long v = first & 0x3f;
        for (int i = 1; i < len; i++) {
            v = (v << 8) | (buf[pos++] & 0xff);
        }
        return v;
    }

    /** Eight bytes, big-endian (path challenge data). */
    long u64() throws Malformed {
        if (limit - pos < 8) {
            throw Malformed.INSTANCE;
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xff);
        }
        return v;
    }

    /** A length field: a varint that must not exceed the bytes left in the packet. */
    int length() throws Malformed {
        long v = varint();
        if (v > limit - pos) {
            throw Malformed.INSTANCE;
        }
        return (int) v;
    }

    void skip(int n) throws Malformed {
        if (n < 0 || n > limit - pos) {
            throw Malformed.INSTANCE;
        }
        pos += n;
    }
}
