package io.farsync.transport.core;

/**
 * Variable-length integers as in QUIC (RFC 9000, section 16): the two high bits of the first
 * byte give the length (1, 2, 4 or 8 bytes), the rest is the big-endian value, so values up to
 * 2^62 - 1 fit. Non-minimal encodings are valid, which lets a frame reserve a fixed width.
 */
final class VarInt {

    static final long MAX = (1L << 62) - 1;

    private VarInt() {
    }

    static int size(long value) {
        if (value < 0 || value > MAX) {
            throw new IllegalArgumentException("varint value (" + value + ") out of range");
        }
        return value < 64 ? 1 : value < 16_384 ? 2 : value < (1L << 30) ? 4 : 8;
    }

    /** Writes {@code value} minimally encoded at {@code pos}; returns the position after it. */
    static int write(byte[] buf, int pos, long value) {
        return write(buf, pos, value, size(value));
    }

    /** Writes {@code value} in exactly {@code width} bytes (1, 2, 4 or 8; must be wide enough). */
    static int write(byte[] buf, int pos, long value, int width) {
        if (size(value) > width) {
            throw new IllegalArgumentException("varint value (" + value + ") does not fit " + width + " bytes");
        }
        int prefix = switch (width) {
            case 1 -> 0;
            case 2 -> 1;
            case 4 -> 2;
            case 8 -> 3;
            default -> throw new IllegalArgumentException("varint width (" + width + ") must be 1, 2, 4 or 8");
        };
        for (int i = width - 1; i >= 0; i--) {
            buf[pos + i] = (byte) value;
            value >>>= 8;
        }
        buf[pos] = (byte) ((buf[pos] & 0x3f) | (prefix << 6));
        return pos + width;
    }
}
