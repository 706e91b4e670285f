package io.farsync.sync.scan;

/**
 * Compares paths stored as UTF-8 bytes in the engine's one order, {@link String#compareTo}
 * (UTF-16 code units), without decoding them into strings: an {@link EntryTable} lookup is a
 * binary search of ~20 such comparisons and must not allocate.
 *
 * <p>UTF-8 byte order is code point order, which agrees with UTF-16 order except for characters
 * above U+FFFF (stored as surrogates, 0xD800-0xDFFF, in UTF-16) against those between U+E000 and
 * U+FFFF. So bytes are compared as bytes while both are ASCII, and a differing non-ASCII
 * character is decoded and compared by its UTF-16 units. Input is well-formed UTF-8 (made by
 * {@link String#getBytes}); unpaired surrogates, which a Java string can hold, were replaced by
 * {@code '?'} there, as everywhere the engine encodes a path.
 */
final class Utf8Order {

    private Utf8Order() {
    }

    /** Compares {@code b[start, end)} with {@code s}; negative, zero or positive as {@code compareTo}. */
    static int compare(byte[] b, int start, int end, String s) {
        int i = start;
        int k = 0;
        int n = s.length();
        while (i < end && k < n) {
            int x = b[i];
            char ch = s.charAt(k);
            if (x >= 0) {
                if (x != ch) {
                    return x - ch;
                }
                i++;
                k++;
                continue;
            }
            int cp = decode(b, i);
            i += width(x);
            if (cp < 0x10000) {
                if (cp != ch) {
                    return cp - ch;
                }
                k++;
            } else {
                char hi = Character.highSurrogate(cp);
                if (hi != ch) {
                    return hi - ch;
                }
                if (++k == n) {
                    return 1;
                }
                char lo = Character.lowSurrogate(cp);
                if (lo != s.charAt(k)) {
                    return lo - s.charAt(k);
                }
                k++;
            }
        }
        return (i < end ? 1 : 0) - (k < n ? 1 : 0);
    }

    /** Bytes of the sequence led by {@code lead} (a negative byte). */
    private static int width(int lead) {
        int u = lead & 0xFF;
        return u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : 2;
    }

    private static int decode(byte[] b, int i) {
        int u = b[i] & 0xFF;
        if (u >= 0xF0) {
            return ((u & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
        }
        if (u >= 0xE0) {
            return ((u & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
        }
        return ((u & 0x1F) << 6) | (b[i + 1] & 0x3F);
    }
}
