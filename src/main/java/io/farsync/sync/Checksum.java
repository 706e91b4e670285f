package io.farsync.sync;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The whole-file checksum the source sends with each file and the destination verifies before
 * the file is renamed into place. xxHash64 runs at memory speed and catches transfer and disk
 * corruption; SHA-256 also resists deliberate collisions, at a few hundred MB/s per core; none
 * trusts the transport's own integrity (AES-GCM) and the disks.
 */
public enum Checksum {
    XXH64("xxh64", 8), SHA256("sha256", 32), NONE("none", 0);

    private static final XXHashFactory XX = XXHashFactory.fastestInstance();

    private final String id;
    private final int length;

    Checksum(String id, int length) {
        this.id = id;
        this.length = length;
    }

    /** The name on the command line and in session requests. */
    public String id() {
        return id;
    }

    /** Digest length in bytes (0 for {@link #NONE}). */
    public int length() {
        return length;
    }

    public static Checksum parse(String s) {
        for (Checksum c : values()) {
            if (c.id.equals(s.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown --checksum '" + s + "': expected xxh64, sha256 or none");
    }

    /** A fresh incremental digest of this kind. */
    public Digest start() {
        return switch (this) {
            case XXH64 -> new Digest() {
                private final StreamingXXHash64 h = XX.newStreamingHash64(0L);

                @Override
                public void update(byte[] b, int off, int len) {
                    h.update(b, off, len);
                }

                @Override
                public byte[] finish() {
                    return ByteBuffer.allocate(8).putLong(h.getValue()).array();
                }
            };
            case SHA256 -> new Digest() {
                private final MessageDigest md = sha256();

                @Override
                public void update(byte[] b, int off, int len) {
                    md.update(b, off, len);
                }

                @Override
                public byte[] finish() {
                    return md.digest();
                }
            };
            case NONE -> new Digest() {
                @Override
                public void update(byte[] b, int off, int len) {
                }

                @Override
                public byte[] finish() {
                    return new byte[0];
                }
            };
        };
    }

    /** An incremental digest; {@link #finish()} once. Not thread-safe. */
    public interface Digest {
        void update(byte[] b, int off, int len);

        byte[] finish();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
