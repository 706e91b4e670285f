package io.farsync.transport.core;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Packet header and AEAD protection (version 1).
 *
 * <pre>
 * header, 13 bytes, plaintext, authenticated as AAD:
 *   u8  version (high nibble, 1) | packet type (low nibble, 1 = protected frames)
 *   u32 connection id, big-endian
 *   u64 packet number, big-endian (0, 1, 2, ... per direction, never reused)
 * body: AES-GCM(frames), followed by the 16-byte tag
 *   nonce = the direction's 12-byte IV XOR the packet number (big-endian, in the last 8 bytes)
 * </pre>
 *
 * A unique nonce per packet is what makes GCM safe, hence packet numbers are never reused; the
 * scheme is the one of TLS 1.3 and QUIC (RFC 8446 section 5.3, RFC 9001 section 5.3), minus
 * header protection. One {@link Cipher} per direction is reused: only its nonce changes per packet.
 */
final class PacketCodec {

    static final int VERSION = 1;
    static final int TYPE_PROTECTED = 1;
    static final int HEADER_LEN = 13;
    static final int TAG_LEN = 16;
    static final int OVERHEAD = HEADER_LEN + TAG_LEN;

    private final Cipher sealCipher;
    private final Cipher openCipher;
    private final SecretKeySpec sealKey;
    private final SecretKeySpec openKey;
    private final byte[] sealIv;
    private final byte[] openIv;
    private final byte[] nonce = new byte[12];

    PacketCodec(byte[] sealKey, byte[] sealIv, byte[] openKey, byte[] openIv) {
        try {
            this.sealCipher = Cipher.getInstance("AES/GCM/NoPadding");
            this.openCipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
        this.sealKey = new SecretKeySpec(sealKey, "AES");
        this.openKey = new SecretKeySpec(openKey, "AES");
        this.sealIv = sealIv.clone();
        this.openIv = openIv.clone();
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARMING = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Once per JVM, on a daemon thread: seals and opens {@code packets} datagrams of
     * {@code size} bytes with a throwaway key, so that the JIT has compiled AES-GCM (C2, with the
     * CPU's AES and carry-less multiply intrinsics) before a connection's first data. Call it
     * where a transfer is about to be set up (the SSH handshake runs meanwhile).
     *
     * <p>Why: the JDK's GHASH and counter mode run interpreted, then as C1 code without the
     * intrinsics, until C2 compiles them: 60 MB/s per side with C2 kept off
     * ({@code -XX:TieredStopAtLevel=1}: 17 CPU s per side for 1 GiB) against ~3 GB/s compiled.
     * A connection's first megabytes paid that, on the critical path (docs/PERFORMANCE.md,
     * "Loopback, session 4").
     */
    static void warmUp(int packets, int size) {
        if (!WARMING.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            byte[] key = new byte[16];
            byte[] iv = new byte[12];
            new java.security.SecureRandom().nextBytes(key);
            PacketCodec codec = new PacketCodec(key, iv, key, iv);
            byte[] plain = new byte[size];
            byte[] wire = new byte[size + OVERHEAD];
            for (int i = 0; i < packets; i++) {
                int n = codec.seal(0, i, plain, size, wire, 0);
                if (codec.open(wire, 0, n, plain) != size) {
                    throw new IllegalStateException("AES-GCM warm-up: a sealed datagram did not open");
                }
            }
        }, "farsync-aead-warmup");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The connection id of a datagram that looks like version 1, else -1. Needs no key: the
     * driver uses it to pick the connection.
     */
    static long connectionIdOf(byte[] buf, int off, int len) {
        if (len < OVERHEAD || (buf[off] & 0xff) != (VERSION << 4 | TYPE_PROTECTED)) {
            return -1;
        }
        return getInt(buf, off + 1) & 0xffff_ffffL;
    }

    static long packetNumberOf(byte[] buf, int off) {
        return ((long) getInt(buf, off + 5) << 32) | (getInt(buf, off + 9) & 0xffff_ffffL);
    }

    /**
     * Writes header and encrypted {@code plain[0, plainLen)} to {@code out} at {@code outOff};
     * returns the datagram length ({@code plainLen + OVERHEAD}).
     */
    int seal(int connectionId, long packetNumber, byte[] plain, int plainLen, byte[] out, int outOff) {
        out[outOff] = (byte) (VERSION << 4 | TYPE_PROTECTED);
        putInt(out, outOff + 1, connectionId);
        putInt(out, outOff + 5, (int) (packetNumber >>> 32));
        putInt(out, outOff + 9, (int) packetNumber);
        try {
            sealCipher.init(Cipher.ENCRYPT_MODE, sealKey, nonceSpec(sealIv, packetNumber));
            sealCipher.updateAAD(out, outOff, HEADER_LEN);
            return HEADER_LEN + sealCipher.doFinal(plain, 0, plainLen, out, outOff + HEADER_LEN);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Authenticates and decrypts the datagram {@code buf[off, off + len)} (header already checked
     * by the caller) into {@code plain}; returns the plaintext length, or -1 if it is not
     * authentic.
     */
    int open(byte[] buf, int off, int len, byte[] plain) {
        if (len < OVERHEAD) {
            return -1;
        }
        try {
            openCipher.init(Cipher.DECRYPT_MODE, openKey, nonceSpec(openIv, packetNumberOf(buf, off)));
            openCipher.updateAAD(buf, off, HEADER_LEN);
            return openCipher.doFinal(buf, off + HEADER_LEN, len - HEADER_LEN, plain, 0);
        } catch (GeneralSecurityException e) {
            return -1;
        }
    }

    private GCMParameterSpec nonceSpec(byte[] iv, long packetNumber) {
        System.arraycopy(iv, 0, nonce, 0, 12);
        for (int i = 0; i < 8; i++) {
            nonce[11 - i] ^= (byte) (packetNumber >>> (8 * i));
        }
        return new GCMParameterSpec(TAG_LEN * 8, nonce);
    }

    private static int getInt(byte[] b, int p) {
        return (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
    }

    private static void putInt(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
    }
}
